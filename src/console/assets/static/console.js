// sitewarden console: the only script (CSP script-src 'self'; no inline handlers).
// Asks for confirmation before destructive actions marked with data-confirm.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var message = form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
});
