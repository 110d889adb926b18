# The nginx a guard benchmark compares against (sourced by bench/guard_bench.sh and bench/guard_ab.sh, so
# both measure the same server): Debian's nginx serving a release's files from a directory with sendfile,
# tcp_nopush and open_file_cache, keep-alive, a buffered access log — what an operator would set up.
#
#   write_nginx_static_conf CONF_FILE STATE_DIR ROOT PORT WORKERS
write_nginx_static_conf() {
  local conf="$1" state="$2" root="$3" port="$4" workers="$5"
  mkdir -p "$state"
  cat >"$conf" <<CONF
worker_processes $workers;
pid $state/nginx.pid;
error_log $state/error.log;
events { worker_connections 4096; }
http {
  types { text/html html; application/octet-stream bin; }
  access_log $state/access.log combined buffer=64k flush=1s;
  client_body_temp_path $state/body;
  proxy_temp_path $state/proxy;
  fastcgi_temp_path $state/fastcgi;
  uwsgi_temp_path $state/uwsgi;
  scgi_temp_path $state/scgi;
  sendfile on;
  tcp_nopush on;
  open_file_cache max=10000 inactive=60s;
  open_file_cache_valid 60s;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$port; root $root; index index.html; }
}
CONF
}
