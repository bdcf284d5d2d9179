//! The metric conventions detection knows: which request counter and latency histogram an
//! exporter writes, and which labels carry the status, the service and the route.
//!
//! Adding an exporter is adding a row. Label candidates are in order of preference: the first
//! one a metric actually has wins (for the service label, a label whose values hold the
//! incident's service wins over the order).

/// How one family of exporters names its HTTP request metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Convention {
    /// Who writes these metrics, for people: "Istio", "Spring Boot (Micrometer)".
    pub name: &'static str,
    /// The counter of requests, one series per status (and service, route...).
    pub requests: &'static str,
    /// Labels holding the response status, in order of preference.
    pub status_labels: &'static [&'static str],
    /// What the status label holds: a code (`503`) or a class (`5`).
    pub status: Status,
    /// Labels that may name the service, in order of preference.
    pub service_labels: &'static [&'static str],
    /// Labels that name the route or endpoint, in order of preference; without one the
    /// panels are drawn per service.
    pub route_labels: &'static [&'static str],
    /// The latency histogram's `_bucket` series, when the exporter has one.
    pub latency: Option<Latency>,
}

/// A latency histogram and the unit its `le` buckets are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Latency {
    pub buckets: &'static str,
    /// Istio and Envoy count milliseconds; the panel shows seconds.
    pub milliseconds: bool,
}

/// How a convention writes the HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The code itself: `200`, `503`.
    Code,
    /// Its class: `2`, `5` (Envoy's `envoy_response_code_class`).
    Class,
}

impl Status {
    /// The PromQL regex of a server error.
    pub fn server_error(self) -> &'static str {
        match self {
            Status::Code => "5..",
            Status::Class => "5",
        }
    }

    /// Whether a label value looks like an HTTP status of this kind; tells an HTTP status
    /// label from a gRPC one (`OK`, `Unavailable`) of the same name.
    pub fn fits(self, value: &str) -> bool {
        let digits = match self {
            Status::Code => 3,
            Status::Class => 1,
        };
        value.len() == digits
            && value.starts_with(['1', '2', '3', '4', '5'])
            && value.bytes().all(|b| b.is_ascii_digit())
    }
}

/// Every convention detection looks for, in the order proposals are made.
pub const CONVENTIONS: &[Convention] = &[
    Convention {
        name: "Prometheus client libraries",
        requests: "http_requests_total",
        status_labels: &["code", "status", "status_code"],
        status: Status::Code,
        service_labels: &["service", "app", "application", "service_name", "job"],
        route_labels: &["endpoint", "route", "handler", "path", "uri"],
        latency: Some(Latency {
            buckets: "http_request_duration_seconds_bucket",
            milliseconds: false,
        }),
    },
    Convention {
        name: "Spring Boot (Micrometer)",
        requests: "http_server_requests_seconds_count",
        status_labels: &["status"],
        status: Status::Code,
        service_labels: &["application", "service", "app", "job"],
        route_labels: &["uri"],
        latency: Some(Latency {
            buckets: "http_server_requests_seconds_bucket",
            milliseconds: false,
        }),
    },
    Convention {
        name: "OpenTelemetry HTTP semantic conventions",
        requests: "http_server_request_duration_seconds_count",
        status_labels: &["http_response_status_code", "http_status_code"],
        status: Status::Code,
        service_labels: &["service_name", "job"],
        route_labels: &["http_route"],
        latency: Some(Latency {
            buckets: "http_server_request_duration_seconds_bucket",
            milliseconds: false,
        }),
    },
    Convention {
        name: "Istio",
        requests: "istio_requests_total",
        status_labels: &["response_code"],
        status: Status::Code,
        service_labels: &[
            "destination_service_name",
            "destination_app",
            "destination_workload",
            "destination_service",
        ],
        route_labels: &[],
        latency: Some(Latency {
            buckets: "istio_request_duration_milliseconds_bucket",
            milliseconds: true,
        }),
    },
    Convention {
        name: "NGINX ingress controller",
        requests: "nginx_ingress_controller_requests",
        status_labels: &["status"],
        status: Status::Code,
        service_labels: &["service", "exported_service", "ingress"],
        route_labels: &["path", "ingress"],
        latency: Some(Latency {
            buckets: "nginx_ingress_controller_request_duration_seconds_bucket",
            milliseconds: false,
        }),
    },
    Convention {
        name: "Traefik",
        requests: "traefik_service_requests_total",
        status_labels: &["code"],
        status: Status::Code,
        service_labels: &["service"],
        route_labels: &[],
        latency: Some(Latency {
            buckets: "traefik_service_request_duration_seconds_bucket",
            milliseconds: false,
        }),
    },
    Convention {
        name: "Envoy",
        requests: "envoy_cluster_upstream_rq_xx",
        status_labels: &["envoy_response_code_class"],
        status: Status::Class,
        service_labels: &["envoy_cluster_name"],
        route_labels: &[],
        latency: Some(Latency {
            buckets: "envoy_cluster_upstream_rq_time_bucket",
            milliseconds: true,
        }),
    },
];

/// Every metric name detection asks about, for the one call that finds which exist.
pub fn metric_names() -> impl Iterator<Item = &'static str> {
    CONVENTIONS
        .iter()
        .flat_map(|c| std::iter::once(c.requests).chain(c.latency.map(|latency| latency.buckets)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_told_from_other_values() {
        assert!(Status::Code.fits("503") && Status::Code.fits("200"));
        for other in ["OK", "5xx", "50", "600", "0", ""] {
            assert!(!Status::Code.fits(other), "{other}");
        }
        assert!(Status::Class.fits("5") && !Status::Class.fits("503"));
    }

    #[test]
    fn names_are_metric_and_label_names() {
        let name = |s: &str| {
            !s.is_empty()
                && !s.starts_with(|c: char| c.is_ascii_digit())
                && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        for c in CONVENTIONS {
            assert!(metric_names().all(name));
            let labels = c
                .status_labels
                .iter()
                .chain(c.service_labels)
                .chain(c.route_labels);
            assert!(labels.copied().all(name), "{}", c.name);
            assert!(!c.status_labels.is_empty() && !c.service_labels.is_empty());
        }
        let mut counters: Vec<_> = CONVENTIONS.iter().map(|c| c.requests).collect();
        counters.sort();
        counters.dedup();
        assert_eq!(counters.len(), CONVENTIONS.len(), "one row per counter");
    }
}
