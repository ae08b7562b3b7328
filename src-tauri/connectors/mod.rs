//! Talking to the vendors' APIs. The contract every source implements is
//! [`source::Source`]; [`registry`] is the one list of providers that have a
//! source. Every connector is built from the same parts: one HTTP client that
//! classifies every failure in one place and retries by the rules ([`http`]),
//! date windows with a lookback ([`window`]), numbers as vendors send them
//! ([`json`]), and the record selector that skips bad records and says why
//! ([`BadRecord`]). Each source is a folder with the same files: `mod.rs`
//! (the `Source`), `client.rs` (requests and the vendor's `Classify`),
//! `records.rs` (vendor JSON → records), `cursor.rs` (the bookmark).

pub mod copper;
pub mod demo;
pub mod google;
pub mod http;
pub mod json;
pub mod justcall;
pub mod meta;
pub mod registry;
pub mod shiprocket;
pub mod shopify;
pub mod source;
pub mod window;

pub use http::{
    Classify, Failure, FetchError, HttpClient, HttpConfig, RateWindow, Reply, Standard,
};
pub use source::{BoxSource, Page, Source, SourceError};

/// A record that did not parse or failed validation: skipped, counted, and
/// kept as an example on the run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BadRecord {
    /// The source's id for it, when it had one.
    pub id: Option<String>,
    pub reason: String,
}

/// Parse each item with `parse`; the ones that fail become [`BadRecord`]s named
/// by their `id_field`, and the rest go on.
pub fn parse_each<'a, T>(
    items: impl IntoIterator<Item = &'a serde_json::Value>,
    id_field: &str,
    parse: impl Fn(&serde_json::Value) -> Result<T, String>,
) -> (Vec<T>, Vec<BadRecord>) {
    let items = items.into_iter();
    let mut good = Vec::with_capacity(items.size_hint().0);
    let mut bad = Vec::new();
    for item in items {
        match parse(item) {
            Ok(v) => good.push(v),
            Err(reason) => bad.push(BadRecord {
                id: item.get(id_field).map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                }),
                reason,
            }),
        }
    }
    (good, bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bad_records_are_set_aside_with_their_id_and_reason() {
        let items = vec![
            json!({"id": 1, "total": "5.00"}),
            json!({"id": "x2", "total": "n/a"}),
            json!({"total": null}),
        ];
        let (good, bad) = parse_each(&items, "id", |v| {
            v["total"]
                .as_str()
                .ok_or("total is missing".to_string())?
                .parse::<rust_decimal::Decimal>()
                .map_err(|e| format!("total: {e}"))
        });
        assert_eq!(good, vec![rust_decimal::Decimal::new(500, 2)]);
        assert_eq!(bad.len(), 2);
        assert_eq!(bad[0].id.as_deref(), Some("x2"));
        assert!(bad[0].reason.starts_with("total:"));
        assert_eq!(
            bad[1],
            BadRecord {
                id: None,
                reason: "total is missing".into()
            }
        );
    }
}
