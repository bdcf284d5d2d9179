//! From what Prometheus said about a convention's metrics to the panels that chart them.
//! Pure: the calls that gather the labels and values are in the parent module.

use super::conventions::Convention;
use crate::config::PanelConfig;

/// The article's lines for the 5xx ratio: 1% warns, 5% is critical.
pub const RATIO_WARN: f64 = 0.01;
pub const RATIO_CRIT: f64 = 0.05;

/// Which of the counter's labels the panels use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The label with the HTTP status.
    pub status: &'static str,
    /// The label `$service` is bound to; `None` when the counter has none of the candidates,
    /// and the panels then show every series.
    pub service: Option<&'static str>,
    /// The label the ratio and the rate are split by; `None`: split by service, or not at all.
    pub route: Option<&'static str>,
}

/// The first of `candidates` the metric has.
pub fn first_present(candidates: &[&'static str], labels: &[String]) -> Option<&'static str> {
    candidates
        .iter()
        .copied()
        .find(|candidate| labels.iter().any(|label| label == candidate))
}

/// The service label among `seen` (each present candidate with the values it takes): the
/// one whose values hold `service` (the incident's), else the first with any value.
pub fn service_label(
    seen: &[(&'static str, Vec<String>)],
    service: Option<&str>,
) -> Option<&'static str> {
    let holds = |values: &Vec<String>| service.is_some_and(|s| values.iter().any(|v| v == s));
    seen.iter()
        .find(|(_, values)| holds(values))
        .or_else(|| seen.iter().find(|(_, values)| !values.is_empty()))
        .map(|(label, _)| *label)
}

/// The three panels of a match: 5xx ratio (main when `main`), request rate, p99 latency (when
/// `latency`). `suffix` tells the panels of a second match from the first.
pub fn panels(
    convention: &Convention,
    binding: &Binding,
    latency: bool,
    main: bool,
    suffix: &str,
) -> Vec<PanelConfig> {
    let service = binding.service.map(|label| format!("{label}=\"$service\""));
    let selector = |extra: Option<String>| {
        let matchers: Vec<String> = service.iter().cloned().chain(extra).collect();
        if matchers.is_empty() {
            String::new()
        } else {
            format!("{{{}}}", matchers.join(","))
        }
    };
    let split = binding.route.or(binding.service);
    let sum = match split {
        Some(label) => format!("sum by ({label})"),
        None => "sum".to_string(),
    };
    let requests = convention.requests;
    let all = format!("{sum} (rate({requests}{}[1m]))", selector(None));
    let errors = format!(
        "{sum} (rate({requests}{}[1m]))",
        selector(Some(format!(
            "{}=~\"{}\"",
            binding.status,
            convention.status.server_error()
        )))
    );
    let legend = split.map(|label| format!("{{{{{label}}}}}"));
    let panel = |title: &str, expr: String, unit: &str| PanelConfig {
        title: format!("{title}{suffix}"),
        expr,
        unit: unit.into(),
        warn: None,
        crit: None,
        legend: legend.clone(),
        range: "1h".into(),
        refresh: None,
        evidence_step: None,
        main: false,
    };
    let mut panels = vec![
        PanelConfig {
            warn: Some(RATIO_WARN),
            crit: Some(RATIO_CRIT),
            main,
            // Without the `or`, a route that serves no 5xx at all would have no ratio:
            // a healthy service would look like a panel with no data.
            ..panel(
                "5xx error ratio",
                format!("({errors} or {all} * 0) / {all}"),
                "ratio",
            )
        },
        panel("Request rate", all.clone(), "req_per_sec"),
    ];
    if let (true, Some(histogram)) = (latency, convention.latency) {
        let buckets = histogram.buckets;
        let mut p99 = format!(
            "histogram_quantile(0.99, sum by (le) (rate({buckets}{}[5m])))",
            selector(None)
        );
        if histogram.milliseconds {
            p99.push_str(" / 1000");
        }
        panels.push(PanelConfig {
            legend: Some("p99".into()),
            ..panel("p99 latency", p99, "seconds")
        });
    }
    panels
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::panels::detect::conventions::CONVENTIONS;
    use crate::panels::validate_panels;

    fn labels(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_first_present_candidate_wins() {
        let on_metric = labels(&["instance", "job", "status", "code"]);
        assert_eq!(first_present(&["code", "status"], &on_metric), Some("code"));
        assert_eq!(first_present(&["service", "job"], &on_metric), Some("job"));
        assert_eq!(first_present(&["uri"], &on_metric), None);
    }

    #[test]
    fn the_service_label_is_learnt_from_its_values() {
        let seen = vec![
            ("service", vec![]),
            ("app", vec!["web".to_string()]),
            (
                "job",
                vec!["kubernetes-pods".to_string(), "checkout".to_string()],
            ),
        ];
        assert_eq!(service_label(&seen, Some("checkout")), Some("job"));
        assert_eq!(service_label(&seen, Some("billing")), Some("app"));
        assert_eq!(service_label(&seen, None), Some("app"));
        assert_eq!(service_label(&[], Some("checkout")), None);
    }

    #[test]
    fn a_plain_match_charts_ratio_rate_and_latency_per_route() {
        let plain = &CONVENTIONS[0];
        let binding = Binding {
            status: "status",
            service: Some("job"),
            route: Some("endpoint"),
        };
        let panels = panels(plain, &binding, true, true, "");
        let all = r#"sum by (endpoint) (rate(http_requests_total{job="$service"}[1m]))"#;
        let errors =
            r#"sum by (endpoint) (rate(http_requests_total{job="$service",status=~"5.."}[1m]))"#;
        assert_eq!(panels[0].expr, format!("({errors} or {all} * 0) / {all}"));
        assert_eq!((panels[0].warn, panels[0].crit), (Some(0.01), Some(0.05)));
        assert_eq!(panels[1].expr, all);
        assert_eq!(
            panels[2].expr,
            r#"histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job="$service"}[5m])))"#
        );
        assert_eq!(panels[0].legend.as_deref(), Some("{{endpoint}}"));
        let checked = validate_panels(&panels).unwrap();
        assert!(checked[0].main && checked.iter().all(|p| p.uses_service()));
    }

    #[test]
    fn milliseconds_become_seconds_and_a_missing_route_splits_by_service() {
        let envoy = CONVENTIONS.iter().find(|c| c.name == "Envoy").unwrap();
        let binding = Binding {
            status: "envoy_response_code_class",
            service: Some("envoy_cluster_name"),
            route: None,
        };
        let panels = panels(envoy, &binding, true, false, " (Envoy)");
        assert!(panels[0].expr.contains(r#"envoy_response_code_class=~"5""#));
        assert!(panels[0].expr.starts_with("(sum by (envoy_cluster_name) "));
        assert!(panels[2].expr.ends_with(" / 1000"), "{}", panels[2].expr);
        assert_eq!(panels[1].title, "Request rate (Envoy)");
        assert!(!panels[0].main);
    }

    #[test]
    fn without_a_service_label_or_a_histogram_the_panels_show_everything() {
        let binding = Binding {
            status: "code",
            service: None,
            route: None,
        };
        let panels = panels(&CONVENTIONS[0], &binding, false, true, "");
        assert_eq!(panels.len(), 2);
        assert_eq!(panels[1].expr, "sum (rate(http_requests_total[1m]))");
        assert_eq!(panels[1].legend, None);
        assert!(!validate_panels(&panels).unwrap()[0].uses_service());
    }
}
