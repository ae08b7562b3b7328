//! Reading a finished bulk export: its JSONL downloaded in chunks and read
//! a line at a time as the chunks arrive, orders on lines of their own and
//! their nested lists' nodes on lines naming their parent, put back together
//! into orders.
//!
//! Since API 2026-01 `bulkOperationRunQuery`'s `groupObjects` is false by
//! default (Shopify's changelog, 2025-10-29: grouping "can slow down
//! operations and increase failure rates"), so a child line may come
//! anywhere after — or, in principle, before — its parent: an order is only
//! whole once the file has ended. What a span holds in memory is its orders
//! as records (no JSON values, no file), which is why a backfill is cut into
//! spans (`bulk.rs`).

use super::bulk::BulkResult;
use super::records::{Draft, ExportLine};
use super::{bad_order, ShopifySource};
use crate::connectors::{BadRecord, FetchError};
use chrono::{DateTime, Utc};
use rustc_hash::FxBuildHasher;
use serde_json::Value;
use std::collections::HashMap;

impl ShopifySource {
    /// Wait for the export and read its JSONL.
    pub(super) async fn read_bulk(
        &self,
        id: &str,
        until: Option<DateTime<Utc>>,
        expected: Option<u64>,
    ) -> Result<BulkResult, FetchError> {
        let (url, objects) = self.wait_bulk(id, expected).await?;
        let mut result = BulkResult {
            id: id.to_string(),
            until,
            orders: vec![],
            bad: vec![],
            max: None,
            objects,
            taken: 0,
        };
        let Some(url) = url else {
            return Ok(result);
        };
        let mut resp = self.shop.download(&url).await?;
        let mut assembly = Assembly::default();
        let mut buf: Vec<u8> = Vec::new();
        loop {
            let chunk = resp.chunk().await.map_err(|e| FetchError::Transient {
                url: crate::telemetry::redact_url(&url),
                attempts: 1,
                last: format!("reading the bulk export failed: {e}"),
            })?;
            let Some(chunk) = chunk else { break };
            buf.extend_from_slice(&chunk);
            let mut start = 0;
            while let Some(nl) = buf[start..].iter().position(|b| *b == b'\n') {
                assembly.line(&buf[start..start + nl]);
                start += nl + 1;
            }
            buf.drain(..start);
        }
        assembly.line(&buf);
        (result.orders, result.bad, result.max) = assembly.finish();
        tracing::info!(
            orders = result.orders.len(),
            skipped = result.bad.len(),
            "Shopify bulk export read"
        );
        Ok(result)
    }
}

/// An export's orders being put together, a line at a time.
#[derive(Default)]
pub(super) struct Assembly {
    drafts: Vec<Draft>,
    /// Looked up for every line: ids are Shopify's, not an attacker's, so
    /// the quick Fx hash rather than SipHash.
    by_order: HashMap<String, usize, FxBuildHasher>,
    by_refund: HashMap<String, usize, FxBuildHasher>,
    /// Child lines read before their parent.
    orphans: Vec<Value>,
    bad: Vec<BadRecord>,
    lines: usize,
    /// Off only in tests, to compare the typed reader with the full one.
    full_only: bool,
}

impl Assembly {
    /// Read one line of the file (a blank one counts, and is skipped). The
    /// typed reader takes the lines it knows; any other goes through the
    /// full reader, which says why a bad one is bad.
    pub(super) fn line(&mut self, line: &[u8]) {
        self.lines += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        if !self.full_only {
            if let Some(typed) = ExportLine::read(line) {
                if self.take_typed(&typed) {
                    return;
                }
            }
        }
        let v: Value = match serde_json::from_slice(line) {
            Ok(v) => v,
            Err(e) => {
                self.bad.push(BadRecord {
                    id: None,
                    reason: format!("line {} of the export is not JSON: {e}", self.lines),
                });
                return;
            }
        };
        if v.get("__parentId").is_some() {
            if !self.attach(&v) {
                self.orphans.push(v);
            }
            return;
        }
        match Draft::parse(&v) {
            Ok(d) => self.add_draft(d),
            Err(reason) => self.bad.push(bad_order(&v, reason)),
        }
    }

    fn add_draft(&mut self, d: Draft) {
        let at = self.drafts.len();
        for r in &d.order.refunds {
            self.by_refund.insert(r.id.clone(), at);
        }
        self.by_order.insert(d.order.id.clone(), at);
        self.drafts.push(d);
    }

    /// Take a line the typed reader read: an order, or a child whose parent
    /// has been read. False when the full reader must read it: a child
    /// before its parent, or fields that reader would refuse.
    fn take_typed(&mut self, t: &ExportLine<'_>) -> bool {
        let Some(parent) = t.parent else {
            let Some(d) = t.order() else { return false };
            self.add_draft(d);
            return true;
        };
        if let Some(&i) = self.by_order.get(parent) {
            let Some(l) = t.line() else { return false };
            self.drafts[i].order.lines.push(l);
            return true;
        }
        let Some(&i) = self.by_refund.get(parent) else {
            return false;
        };
        if t.is_refund_line() {
            t.refund_line()
                .is_some_and(|l| self.drafts[i].add_refund_parts(parent, Some(l), None))
        } else {
            t.refund_shipping()
                .is_some_and(|s| self.drafts[i].add_refund_parts(parent, None, Some(s)))
        }
    }

    /// Put a child line on its order or refund; false when its parent has
    /// not been read (yet).
    fn attach(&mut self, child: &Value) -> bool {
        let Some(parent) = child.get("__parentId").and_then(Value::as_str) else {
            return false;
        };
        if let Some(&i) = self.by_order.get(parent) {
            self.drafts[i].add_line(child);
            return true;
        }
        if let Some(&i) = self.by_refund.get(parent) {
            if child.get("lineItem").is_some() {
                self.drafts[i].add_refund_line(parent, child);
            } else {
                self.drafts[i].add_refund_shipping(parent, child);
            }
            return true;
        }
        false
    }

    /// The file has ended: the orders, the records set aside (with why) and
    /// the newest `updatedAt` among them.
    pub(super) fn finish(
        mut self,
    ) -> (
        Vec<crate::domain::records::Order>,
        Vec<BadRecord>,
        Option<DateTime<Utc>>,
    ) {
        // Children that came before their parent.
        for child in std::mem::take(&mut self.orphans) {
            if !self.attach(&child) {
                self.bad.push(BadRecord {
                    id: child
                        .get("__parentId")
                        .and_then(Value::as_str)
                        .map(String::from),
                    reason: "a nested record's parent is not in the export".into(),
                });
            }
        }
        let mut orders = Vec::with_capacity(self.drafts.len());
        let mut max: Option<DateTime<Utc>> = None;
        for d in self.drafts {
            max = Some(max.map_or(d.updated_at, |m| m.max(d.updated_at)));
            let id = d.order.id.clone();
            match d.finish() {
                Ok(o) => orders.push(o),
                Err(reason) => self.bad.push(BadRecord {
                    id: Some(id),
                    reason,
                }),
            }
        }
        (orders, self.bad, max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDER: &str = r##"{"id":"gid://shopify/Order/1","legacyResourceId":"1","name":"#1001","createdAt":"2026-03-09T18:59:00Z","updatedAt":"2026-03-12T06:00:00Z","processedAt":"2026-03-09T19:00:00Z","cancelledAt":null,"test":false,"displayFinancialStatus":"PARTIALLY_REFUNDED","totalDiscountsSet":{"shopMoney":{"amount":"100.00"}},"totalShippingPriceSet":{"shopMoney":{"amount":"50.00"}},"totalTaxSet":{"shopMoney":{"amount":"90.00"}},"customer":{"id":"gid://shopify/Customer/7","numberOfOrders":"3"},"refunds":[{"id":"gid://shopify/Refund/4","createdAt":"2026-03-12T06:00:00Z"}]}"##;
    const LINE: &str = r#"{"id":"gid://shopify/LineItem/9","currentQuantity":1,"originalUnitPriceSet":{"shopMoney":{"amount":"500.00"}},"variant":{"id":"gid://shopify/ProductVariant/3"},"__parentId":"gid://shopify/Order/1"}"#;
    const REFUND_LINE: &str = r#"{"lineItem":{"id":"gid://shopify/LineItem/9"},"quantity":1,"subtotalSet":{"shopMoney":{"amount":"450.00"}},"__parentId":"gid://shopify/Refund/4"}"#;
    const REFUND_SHIPPING: &str = r#"{"id":"gid://shopify/RefundShippingLine/5","subtotalAmountSet":{"shopMoney":{"amount":"20.00"}},"__parentId":"gid://shopify/Refund/4"}"#;

    fn read(lines: &[String], full_only: bool) -> String {
        let mut a = Assembly {
            full_only,
            ..Default::default()
        };
        for l in lines {
            a.line(l.as_bytes());
        }
        let (orders, bad, max) = a.finish();
        let bad: Vec<(Option<String>, String)> =
            bad.into_iter().map(|b| (b.id, b.reason)).collect();
        format!("{orders:?}\n{bad:?}\n{max:?}")
    }

    /// The file with `from` replaced by `to` on the line that has it.
    fn with(from: &str, to: &str) -> Vec<String> {
        [ORDER, LINE, REFUND_LINE, REFUND_SHIPPING]
            .iter()
            .map(|l| l.replace(from, to))
            .collect()
    }

    #[test]
    fn the_typed_reader_answers_as_the_full_one() {
        // It reads the lines the bulk query asks for itself.
        let typed = |l: &'static str| ExportLine::read(l.as_bytes()).unwrap();
        assert!(typed(ORDER).order().is_some());
        assert!(typed(LINE).line().is_some());
        assert!(typed(REFUND_LINE).refund_line().is_some());
        assert!(!typed(REFUND_SHIPPING).is_refund_line());
        let cases = [
            ("", ""),
            // Fields the typed reader leaves to the full one.
            (r#""legacyResourceId":"1""#, r#""legacyResourceId":1"#),
            (r#""numberOfOrders":"3""#, r#""numberOfOrders":3"#),
            (r##""name":"#1001""##, r##""name":"\u00231001""##),
            (r#""currentQuantity":1"#, r#""currentQuantity":"1""#),
            (
                r#""lineItem":{"id":"gid://shopify/LineItem/9"}"#,
                r#""lineItem":null"#,
            ),
            (
                r#""customer":{"id":"gid://shopify/Customer/7","numberOfOrders":"3"}"#,
                r#""customer":null"#,
            ),
            (
                r#""processedAt":"2026-03-09T19:00:00Z""#,
                r#""processedAt":null"#,
            ),
            (
                r#""variant":{"id":"gid://shopify/ProductVariant/3"}"#,
                r#""variant":null"#,
            ),
            (r#""test":false"#, r#""test":false,"note":"extra""#),
            // Bad values: the reason must be the full reader's.
            (r#""amount":"450.00""#, r#""amount":"4,50""#),
            (r#""amount":"90.00""#, r#""amount":"ninety""#),
            (
                r#""createdAt":"2026-03-09T18:59:00Z""#,
                r#""createdAt":"yesterday""#,
            ),
            (r#""createdAt":"2026-03-09T18:59:00Z","#, ""),
            (r#""numberOfOrders":"3""#, r#""numberOfOrders":null"#),
            (r#""id":"gid://shopify/Order/1","#, ""),
            (
                r#""__parentId":"gid://shopify/Refund/4""#,
                r#""__parentId":"gid://shopify/Refund/40""#,
            ),
            (
                r#"{"id":"gid://shopify/LineItem/9""#,
                r#"{"id":"gid://shopify/LineItem/9"#,
            ),
        ];
        for (from, to) in cases {
            let file = with(from, to);
            assert!(
                from.is_empty() || file.iter().any(|l| l.contains(to)),
                "the case {to} changed nothing"
            );
            assert_eq!(read(&file, false), read(&file, true), "{from} → {to}");
        }
        // Children before their parent, and a blank line.
        let mut file = with("", "");
        file.rotate_left(1);
        file.push(String::new());
        assert_eq!(read(&file, false), read(&file, true));
    }

    #[test]
    fn an_export_put_together_books_its_refund() {
        let mut a = Assembly::default();
        for l in with("", "") {
            a.line(l.as_bytes());
        }
        let (orders, bad, _) = a.finish();
        assert!(bad.is_empty(), "{bad:?}");
        let o = &orders[0];
        assert_eq!(o.lines[0].quantity, 2, "current 1 + refunded 1");
        assert_eq!(o.refunds[0].shipping, rust_decimal::Decimal::new(2000, 2));
        assert_eq!(o.customer_order_count, Some(3));
    }
}
