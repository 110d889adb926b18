// HiddenLinks (hidden_links.h): one walk over gumbo's tree with an explicit stack carrying what each
// element inherits (the hiding reason, colour and background in force, the ancestors for selectors).
#include "monitor/hidden_links.h"

#include <gumbo.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>

#include "monitor/css_hiding.h"
#include "monitor/fetcher.h"
#include "review/gumbo_arena.h"
#include "review/matcher.h"
#include "review/normaliser.h"

namespace sw::monitor {
namespace {

const char* attribute(const GumboElement& e, const char* name) {
  const GumboAttribute* a = gumbo_get_attribute(&e.attributes, name);
  return a ? a->value : nullptr;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Cuts `s` to at most `limit` bytes without ending inside a UTF-8 sequence.
std::string cut_utf8(std::string s, std::size_t limit) {
  if (s.size() <= limit) return s;
  std::size_t at = limit;
  while (at > 0 && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80) --at;
  s.resize(at);
  return s;
}

void append_collapsed(std::string& out, const char* text) {
  for (const char* c = text; *c != '\0'; ++c) {
    const bool space = std::isspace(static_cast<unsigned char>(*c));
    if (space && (out.empty() || out.back() == ' ')) continue;
    out.push_back(space ? ' ' : *c);
  }
}

// The text below a node (iteratively), whitespace collapsed, scripts and styles left out.
std::string text_below(const GumboNode* root, std::size_t limit) {
  std::string out;
  std::vector<const GumboNode*> stack{root};
  while (!stack.empty() && out.size() < limit) {
    const GumboNode* n = stack.back();
    stack.pop_back();
    if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_CDATA || n->type == GUMBO_NODE_WHITESPACE) {
      append_collapsed(out, n->v.text.text);
    } else if (n->type == GUMBO_NODE_ELEMENT) {
      const GumboTag t = n->v.element.tag;
      if (t == GUMBO_TAG_SCRIPT || t == GUMBO_TAG_STYLE) continue;
      if (t == GUMBO_TAG_IMG) {
        if (const char* alt = attribute(n->v.element, "alt")) {
          out.push_back(' ');
          append_collapsed(out, alt);
        }
      }
      const GumboVector& kids = n->v.element.children;
      for (unsigned i = kids.length; i > 0; --i) stack.push_back(static_cast<const GumboNode*>(kids.data[i - 1]));
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  while (!out.empty() && out.front() == ' ') out.erase(0, 1);
  return cut_utf8(std::move(out), limit);
}

std::string raw_text(const GumboNode* element) {
  std::string out;
  const GumboVector& kids = element->v.element.children;
  for (unsigned i = 0; i < kids.length; ++i) {
    const auto* k = static_cast<const GumboNode*>(kids.data[i]);
    if (k->type == GUMBO_NODE_TEXT || k->type == GUMBO_NODE_CDATA || k->type == GUMBO_NODE_WHITESPACE) {
      out += k->v.text.text;
    }
  }
  return out;
}

ElementInfo info_of(const GumboNode* n) {
  const GumboElement& e = n->v.element;
  ElementInfo info;
  info.tag = e.tag == GUMBO_TAG_UNKNOWN ? "" : gumbo_normalized_tagname(e.tag);
  if (e.tag == GUMBO_TAG_UNKNOWN && e.original_tag.data != nullptr) {
    GumboStringPiece piece = e.original_tag;
    gumbo_tag_from_original_text(&piece);
    info.tag = lower(std::string_view(piece.data, piece.length));
  }
  if (const char* id = attribute(e, "id")) info.id = lower(id);
  if (const char* cls = attribute(e, "class")) {
    std::string c = lower(cls);
    std::size_t i = 0;
    while (i < c.size() && info.classes.size() < 32) {
      while (i < c.size() && std::isspace(static_cast<unsigned char>(c[i]))) ++i;
      std::size_t j = i;
      while (j < c.size() && !std::isspace(static_cast<unsigned char>(c[j]))) ++j;
      if (j > i) info.classes.push_back(c.substr(i, j - i));
      i = j;
    }
  }
  return info;
}

// The background colour a declaration set sets: background-color, or a background shorthand that
// is one colour or starts with one.
std::string background_of(const CssDeclarations& d) {
  if (auto it = d.find("background-color"); it != d.end()) return normalise_colour(it->second);
  if (auto it = d.find("background"); it != d.end()) {
    const std::string& v = it->second;
    std::string first = v.substr(0, v.find(' '));
    if (v.starts_with("rgb")) first = v.substr(0, v.find(')') + 1);
    return normalise_colour(first);
  }
  return "";
}

struct Frame {
  const GumboNode* node;
  std::string hidden;      // reason inherited or set here
  std::string colour;      // text colour in force ("" unknown)
  std::string background;  // background colour in force ("" unknown)
  std::size_t depth;       // number of element ancestors (for the ancestors stack)
};

std::shared_ptr<const review::Matcher> bad_term_matcher() {
  static std::once_flag once;
  static std::shared_ptr<const review::Matcher> matcher;
  std::call_once(once, [] {
    review::Lexicon lexicon;
    const review::Lexicon& all = review::builtin_lexicon();
    for (const auto& e : all.entries) {
      const bool illegal = e.category == "illegal" && e.severity >= review::Severity::high;
      const bool vulgar = e.category == "vulgar" && e.severity >= review::Severity::medium;
      if (illegal || vulgar) lexicon.entries.push_back(e);
    }
    lexicon.whitelist = all.whitelist;
    lexicon.names = {"monitor-bad-terms"};
    auto compiled = review::Matcher::compile(lexicon);
    if (compiled) matcher = *compiled;
  });
  return matcher;
}

// URLs named in inline code: "http(s)://host" and "//host" (a host with a dot and letters after its last
// dot), at most 50, read with a linear scan (no regex: hostile code must not cost more than its length).
std::vector<std::string> urls_in_code(const std::string& code) {
  std::vector<std::string> out;
  const std::size_t limit = std::min<std::size_t>(code.size(), 64 << 10);
  auto host_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-'; };
  for (std::size_t at = code.find("//"); at != std::string::npos && at < limit && out.size() < 50;
       at = code.find("//", at + 2)) {
    std::size_t end = at + 2;
    while (end < limit && end - at - 2 < 253 && host_char(code[end])) ++end;
    const std::string host = code.substr(at + 2, end - at - 2);
    const std::size_t dot = host.rfind('.');
    if (dot == std::string::npos || dot == 0 || host.size() - dot - 1 < 2) continue;
    if (!std::all_of(host.begin() + static_cast<std::ptrdiff_t>(dot) + 1, host.end(),
                     [](char c) { return std::isalpha(static_cast<unsigned char>(c)); })) {
      continue;
    }
    std::string scheme;
    if (at >= 6 && code.compare(at - 6, 6, "https:") == 0) {
      scheme = "https:";
    } else if (at >= 5 && code.compare(at - 5, 5, "http:") == 0) {
      scheme = "http:";
    }
    out.push_back(scheme + "//" + host);
  }
  return out;
}

std::string snippet_around(const std::string& code, const std::string& needle) {
  const std::size_t at = code.find(needle);
  const std::size_t from = at == std::string::npos || at < 60 ? 0 : at - 60;
  std::string s = code.substr(from, 160);
  std::replace_if(s.begin(), s.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
  std::size_t start = 0;
  while (start < s.size() && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) ++start;
  return cut_utf8(s.substr(start), 160);
}

}  // namespace

bool host_covered(std::string_view host, const std::vector<std::string>& domains) {
  for (const std::string& d : domains) {
    if (d.empty()) continue;
    if (host == d) return true;
    if (host.size() > d.size() && host.ends_with(d) && host[host.size() - d.size() - 1] == '.') return true;
  }
  return false;
}

std::vector<BadTerm> find_bad_terms(std::string_view text) {
  std::vector<BadTerm> out;
  const auto matcher = bad_term_matcher();
  if (!matcher || text.empty()) return out;
  const review::NormalisedText normalised = review::normalise(text);
  std::set<std::string> seen;
  for (const review::Hit& hit : matcher->scan(normalised)) {
    if (out.size() >= kMaxReported) break;
    const auto& entry = matcher->lexicon().entries[hit.entry];
    std::string term = normalised.text.substr(hit.from, hit.to - hit.from);
    if (!seen.insert(term).second) continue;
    const auto [b, e] = normalised.original_range(hit.from, hit.to);
    std::size_t from = b < 60 ? 0 : b - 60;
    while (from > 0 && (static_cast<unsigned char>(text[from]) & 0xC0) == 0x80) --from;
    std::string context = cut_utf8(std::string(text.substr(from, e - from + 60)), e - from + 60);
    out.push_back({std::move(term), entry.category, std::move(context)});
  }
  return out;
}

PageReport inspect_page(std::string_view html, const PageContext& ctx) {
  PageReport report;
  review::GumboArena arena;
  const GumboOptions options = arena.options();
  GumboOutput* output = gumbo_parse_with_options(&options, html.data(), html.size());
  if (output == nullptr) return report;

  auto foreign = [&](const std::string& host) {
    return !host.empty() && !host_covered(host, ctx.own_domains) && !host_covered(host, ctx.allowlist);
  };

  // First: the style sheets and <base>.
  std::vector<CssRule> rules;
  std::string base = ctx.url;
  {
    std::vector<const GumboNode*> stack{output->root};
    while (!stack.empty()) {
      const GumboNode* n = stack.back();
      stack.pop_back();
      if (n->type != GUMBO_NODE_ELEMENT) continue;
      if (n->v.element.tag == GUMBO_TAG_STYLE && rules.size() < kMaxCssRules) {
        auto more = parse_stylesheet(raw_text(n));
        for (auto& r : more) {
          if (rules.size() >= kMaxCssRules) break;
          rules.push_back(std::move(r));
        }
      }
      if (n->v.element.tag == GUMBO_TAG_BASE) {
        if (const char* href = attribute(n->v.element, "href")) {
          if (std::string b = resolve_url(ctx.url, href); !b.empty()) base = b;
        }
      }
      const GumboVector& kids = n->v.element.children;
      for (unsigned i = kids.length; i > 0; --i) stack.push_back(static_cast<const GumboNode*>(kids.data[i - 1]));
    }
  }

  std::set<std::string> link_hosts, sources, internal_seen;
  std::vector<ElementInfo> ancestors;
  std::vector<Frame> stack{{output->root, "", "", "", 0}};
  std::size_t elements = 0;
  while (!stack.empty()) {
    Frame f = std::move(stack.back());
    stack.pop_back();
    const GumboNode* n = f.node;
    if (n->type != GUMBO_NODE_ELEMENT) continue;
    if (++elements > 200'000) break;
    ancestors.resize(f.depth);
    const GumboElement& e = n->v.element;
    const ElementInfo info = info_of(n);

    CssDeclarations decls;
    for (const CssRule& r : rules) {
      if (matches(r, info, ancestors)) {
        for (const auto& [k, v] : r.declarations) decls[k] = v;
      }
    }
    if (const char* style = attribute(e, "style")) {
      for (auto& [k, v] : parse_declarations(style)) decls[k] = std::move(v);
    }
    Frame here{n, f.hidden, f.colour, f.background, f.depth + 1};
    if (here.hidden.empty()) here.hidden = hiding_reason(decls, info.tag);
    if (auto it = decls.find("color"); it != decls.end()) here.colour = normalise_colour(it->second);
    if (std::string bg = background_of(decls); !bg.empty()) here.background = bg;
    if (const char* colour = attribute(e, "color"); colour && e.tag == GUMBO_TAG_FONT) here.colour = normalise_colour(colour);
    if (const char* bg = attribute(e, "bgcolor")) here.background = normalise_colour(bg);
    if (e.tag == GUMBO_TAG_MARQUEE && here.hidden.empty()) {
      const char* h = attribute(e, "height");
      const char* w = attribute(e, "width");
      if ((h && std::atoi(h) <= 5 && std::strlen(h) > 0) || (w && std::atoi(w) <= 5 && std::strlen(w) > 0)) here.hidden = "tiny marquee";
    }

    if (e.tag == GUMBO_TAG_A || e.tag == GUMBO_TAG_AREA) {
      if (const char* href = attribute(e, "href")) {
        const std::string url = resolve_url(base, href);
        const std::string host = url.empty() ? "" : host_of(url);
        if (!host.empty()) {
          std::string reason = here.hidden;
          if (reason.empty() && !here.colour.empty() && here.colour == here.background) {
            reason = "colour equals background (" + here.colour + ")";
          }
          std::string anchor = text_below(n, 200);
          if (foreign(host) || host_covered(host, ctx.allowlist)) {
            if (link_hosts.size() < 1000) link_hosts.insert(host);
          } else if (internal_seen.size() < 1000 && internal_seen.insert(url).second) {
            report.internal_links.push_back(url);
          }
          if (!reason.empty() && report.hidden_links.size() < kMaxReported) {
            auto terms = find_bad_terms(anchor);
            if (foreign(host) || !terms.empty()) {
              report.hidden_links.push_back({url, host, anchor, reason, terms.empty() ? "" : terms.front().term});
            }
          }
        }
      }
    } else if (e.tag == GUMBO_TAG_SCRIPT || e.tag == GUMBO_TAG_IFRAME || e.tag == GUMBO_TAG_FRAME) {
      const char* src = attribute(e, "src");
      if (src != nullptr) {
        const std::string url = resolve_url(base, src);
        const std::string host = url.empty() ? "" : host_of(url);
        if (!url.empty() && sources.size() < 1000) sources.insert(url);
        if (foreign(host) && report.injected.size() < kMaxReported) {
          report.injected.push_back({e.tag == GUMBO_TAG_SCRIPT ? "script_src" : "iframe", host, url, ""});
        }
      } else if (e.tag == GUMBO_TAG_SCRIPT) {
        const std::string code = raw_text(n);
        const std::string lc = lower(code);
        const bool writes = lc.find("document.write") != std::string::npos;
        const bool redirects = lc.find("location") != std::string::npos &&
                               (lc.find("location.href") != std::string::npos ||
                                lc.find("location.replace") != std::string::npos ||
                                lc.find("location.assign") != std::string::npos ||
                                lc.find("location=") != std::string::npos || lc.find("location =") != std::string::npos);
        if (writes || redirects) {
          for (const std::string& u : urls_in_code(code)) {
            const std::string url = u.starts_with("//") ? "http:" + u : u;
            const std::string host = host_of(url);
            if (!foreign(host) || report.injected.size() >= kMaxReported) continue;
            report.injected.push_back({writes ? "inline_write" : "inline_redirect", host, url, snippet_around(code, u)});
            break;
          }
        }
      }
    } else if (e.tag == GUMBO_TAG_META) {
      const char* equiv = attribute(e, "http-equiv");
      const char* content = attribute(e, "content");
      if (equiv && content && lower(equiv) == "refresh") {
        const std::string c = content;
        const std::size_t at = lower(c).find("url=");
        if (at != std::string::npos) {
          std::string target = c.substr(at + 4);
          while (!target.empty() && (target.front() == '\'' || target.front() == '"' || target.front() == ' ')) target.erase(0, 1);
          while (!target.empty() && (target.back() == '\'' || target.back() == '"' || target.back() == ' ')) target.pop_back();
          const std::string url = resolve_url(base, target);
          const std::string host = url.empty() ? "" : host_of(url);
          if (foreign(host) && report.injected.size() < kMaxReported) report.injected.push_back({"meta_refresh", host, url, c.substr(0, 160)});
        }
      }
    }

    ancestors.push_back(info);
    const GumboVector& kids = e.children;
    for (unsigned i = kids.length; i > 0; --i) {
      Frame child = here;
      child.node = static_cast<const GumboNode*>(kids.data[i - 1]);
      stack.push_back(std::move(child));
    }
  }

  const GumboNode* body = output->root;
  report.text = text_below(body, 1 << 20);
  report.bad_terms = find_bad_terms(report.text);
  report.link_hosts.assign(link_hosts.begin(), link_hosts.end());
  report.code_sources.assign(sources.begin(), sources.end());
  return report;
}

}  // namespace sw::monitor
