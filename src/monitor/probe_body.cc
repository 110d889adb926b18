// probe_body.h: one case per probe body (dns, fingerprint, location, lookalike, freshness).
#include "monitor/probe_body.h"

#include "monitor/fingerprint_probe.h"
#include "monitor/geo_probe.h"

#include "monitor/dns_probe.h"
#include "monitor/lookalike_probe.h"
#include "monitor/freshness_probe.h"

namespace sw::monitor {

ProbeBody probe_body(Probe probe) {
  switch (probe) {
    case Probe::uptime:
    case Probe::tls:
    case Probe::links:
      return nullptr;  // run_pass's own (monitor_pass.cc)
    case Probe::dns:
      return probe_dns;
    case Probe::lookalike:
      return probe_lookalike;
    case Probe::freshness:
      return probe_freshness;
    case Probe::fingerprint:
      return probe_fingerprint;
    case Probe::location:
      return probe_location;
  }
  return nullptr;
}

}  // namespace sw::monitor
