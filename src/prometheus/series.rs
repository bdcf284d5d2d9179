//! Series as Prometheus returns them: labels and `(timestamp, value)` points, read from the
//! JSON of `/api/v1/query` and `/api/v1/query_range`, and named by a legend template.

pub use crate::domain::Labels;
use serde::Deserialize;

/// `(unix seconds, value)`: the shape Prometheus sends and a chart draws, so a chart can
/// borrow a series' points without copying them on every frame.
pub type Point = (f64, f64);

/// One time series: its labels and its points, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub labels: Labels,
    pub points: Vec<Point>,
}

impl Series {
    /// The current value: the newest point's. NaN stays NaN (0/0: no traffic).
    pub fn current(&self) -> Option<f64> {
        self.points.last().map(|&(_, value)| value)
    }
}

/// The `data` of a successful query, as Prometheus tags it.
#[derive(Debug, Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
pub(super) enum QueryData {
    Matrix(Vec<RawSeries>),
    Vector(Vec<RawSample>),
    Scalar(RawPoint),
    String(serde::de::IgnoredAny),
}

#[derive(Debug, Deserialize)]
pub(super) struct RawSeries {
    #[serde(default)]
    metric: Labels,
    #[serde(default)]
    values: Vec<RawPoint>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawSample {
    #[serde(default)]
    metric: Labels,
    value: RawPoint,
}

/// Values travel as strings so that `NaN` and `+Inf` survive JSON.
type RawPoint = (f64, String);

impl QueryData {
    /// Every result as series: a vector's samples become one-point series, a scalar a
    /// one-point series without labels. A string result is not a number and is refused.
    pub(super) fn into_series(self) -> Result<Vec<Series>, String> {
        let series = |metric, raw: Vec<RawPoint>| -> Result<Series, String> {
            let points = raw
                .into_iter()
                .map(|(at, value)| Ok((at, parse_value(&value)?)))
                .collect::<Result<_, String>>()?;
            Ok(Series {
                labels: metric,
                points,
            })
        };
        match self {
            QueryData::Matrix(all) => all
                .into_iter()
                .map(|s| series(s.metric, s.values))
                .collect(),
            QueryData::Vector(all) => all
                .into_iter()
                .map(|s| series(s.metric, vec![s.value]))
                .collect(),
            QueryData::Scalar(point) => Ok(vec![series(Labels::new(), vec![point])?]),
            QueryData::String(_) => Err("the query returned a string, not numbers".into()),
        }
    }
}

/// Prometheus writes `NaN`, `+Inf` and `-Inf`; Rust's parser reads all three.
fn parse_value(text: &str) -> Result<f64, String> {
    text.parse()
        .map_err(|_| format!("{text:?} is not a sample value"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Vec<Series>, String> {
        serde_json::from_str::<QueryData>(json)
            .map_err(|e| e.to_string())?
            .into_series()
    }

    #[test]
    fn a_matrix_keeps_labels_points_and_special_values() {
        let series = parse(
            r#"{"resultType":"matrix","result":[
                {"metric":{"endpoint":"/pay"},"values":[[1700000000,"0.5"],[1700000015.5,"NaN"],[1700000030,"+Inf"],[1700000045,"-Inf"]]}
            ]}"#,
        )
        .unwrap();
        assert_eq!(series.len(), 1);
        assert_eq!(series[0].labels["endpoint"], "/pay");
        let points = &series[0].points;
        assert_eq!(points[0], (1_700_000_000.0, 0.5));
        assert_eq!(points[1].0, 1_700_000_015.5);
        assert!(points[1].1.is_nan());
        assert_eq!(points[2].1, f64::INFINITY);
        assert_eq!(series[0].current(), Some(f64::NEG_INFINITY));
    }

    #[test]
    fn vectors_and_scalars_become_one_point_series() {
        let series = parse(
            r#"{"resultType":"vector","result":[{"metric":{"a":"1"},"value":[10,"2"]},{"metric":{},"value":[10,"3"]}]}"#,
        )
        .unwrap();
        assert_eq!(series[1].current(), Some(3.0));
        let scalar = parse(r#"{"resultType":"scalar","result":[10,"4"]}"#).unwrap();
        assert_eq!(
            scalar,
            [Series {
                labels: Labels::new(),
                points: vec![(10.0, 4.0)]
            }]
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert_eq!(
            parse(r#"{"resultType":"vector","result":[{"metric":{},"value":[10,"fast"]}]}"#),
            Err(r#""fast" is not a sample value"#.into())
        );
        assert!(parse(r#"{"resultType":"string","result":[10,"x"]}"#).is_err());
        assert!(parse(r#"{"resultType":"matrix","result":[{"values":[[1]]}]}"#).is_err());
        assert!(parse(r#"{"resultType":"histogram","result":[]}"#).is_err());
    }

    #[test]
    fn a_series_without_points_has_no_current_value() {
        let empty = Series {
            labels: Labels::new(),
            points: vec![],
        };
        assert_eq!(empty.current(), None);
    }
}
