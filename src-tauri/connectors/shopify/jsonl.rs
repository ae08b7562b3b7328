//! Reading a finished bulk export: its JSONL downloaded in chunks, orders on
//! lines of their own and their nested lists' nodes on lines naming their
//! parent (in any order), put back together into orders.

use super::bulk::BulkResult;
use super::records::Draft;
use super::{bad_order, ShopifySource};
use crate::connectors::{BadRecord, FetchError};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::HashMap;

impl ShopifySource {
    /// Wait for the export and read its JSONL: orders on lines of their own,
    /// nested connections' nodes on lines naming their parent (in any order).
    pub(super) async fn read_bulk(
        &self,
        id: &str,
        until: Option<DateTime<Utc>>,
        expected: Option<u64>,
    ) -> Result<BulkResult, FetchError> {
        let mut result = BulkResult {
            id: id.to_string(),
            until,
            orders: vec![],
            bad: vec![],
            max: None,
            objects: 0,
        };
        let (url, objects) = self.wait_bulk(id, expected).await?;
        result.objects = objects;
        let Some(url) = url else {
            return Ok(result);
        };
        let mut resp = self.shop.download(&url).await?;
        let mut drafts: Vec<Draft> = Vec::new();
        let mut by_order: HashMap<String, usize> = HashMap::new();
        let mut by_refund: HashMap<String, usize> = HashMap::new();
        let mut orphans: Vec<Value> = Vec::new();
        let mut buf: Vec<u8> = Vec::new();
        let mut line_no = 0usize;
        loop {
            let chunk = resp.chunk().await.map_err(|e| FetchError::Transient {
                url: crate::telemetry::redact_url(&url),
                attempts: 1,
                last: format!("reading the bulk export failed: {e}"),
            })?;
            let eof = chunk.is_none();
            if let Some(c) = chunk {
                buf.extend_from_slice(&c);
            }
            let mut start = 0;
            while let Some(nl) = buf[start..].iter().position(|b| *b == b'\n') {
                line_no += 1;
                let line = &buf[start..start + nl];
                start += nl + 1;
                self.bulk_line(
                    line,
                    line_no,
                    &mut drafts,
                    &mut by_order,
                    &mut by_refund,
                    &mut orphans,
                    &mut result.bad,
                );
            }
            buf.drain(..start);
            if eof {
                if !buf.iter().all(u8::is_ascii_whitespace) {
                    line_no += 1;
                    let rest = std::mem::take(&mut buf);
                    self.bulk_line(
                        &rest,
                        line_no,
                        &mut drafts,
                        &mut by_order,
                        &mut by_refund,
                        &mut orphans,
                        &mut result.bad,
                    );
                }
                break;
            }
        }
        // Children that came before their parent.
        for child in orphans {
            if !attach(&child, &mut drafts, &by_order, &by_refund) {
                result.bad.push(BadRecord {
                    id: child
                        .get("__parentId")
                        .and_then(Value::as_str)
                        .map(String::from),
                    reason: "a nested record's parent is not in the export".into(),
                });
            }
        }
        for d in drafts {
            result.max = Some(result.max.map_or(d.updated_at, |m| m.max(d.updated_at)));
            let id = d.order.id.clone();
            match d.finish() {
                Ok(o) => result.orders.push(o),
                Err(reason) => result.bad.push(BadRecord {
                    id: Some(id),
                    reason,
                }),
            }
        }
        tracing::info!(
            orders = result.orders.len(),
            skipped = result.bad.len(),
            "Shopify bulk export read"
        );
        Ok(result)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn bulk_line(
        &self,
        line: &[u8],
        line_no: usize,
        drafts: &mut Vec<Draft>,
        by_order: &mut HashMap<String, usize>,
        by_refund: &mut HashMap<String, usize>,
        orphans: &mut Vec<Value>,
        bad: &mut Vec<BadRecord>,
    ) {
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        let v: Value = match serde_json::from_slice(line) {
            Ok(v) => v,
            Err(e) => {
                bad.push(BadRecord {
                    id: None,
                    reason: format!("line {line_no} of the export is not JSON: {e}"),
                });
                return;
            }
        };
        if v.get("__parentId").is_some() {
            if !attach(&v, drafts, by_order, by_refund) {
                orphans.push(v);
            }
            return;
        }
        match Draft::parse(&v) {
            Ok(d) => {
                let at = drafts.len();
                for r in &d.order.refunds {
                    by_refund.insert(r.id.clone(), at);
                }
                by_order.insert(d.order.id.clone(), at);
                drafts.push(d);
            }
            Err(reason) => bad.push(bad_order(&v, reason)),
        }
    }
}

/// Put a bulk child line on its order or refund; false when its parent has
/// not been read (yet).
fn attach(
    child: &Value,
    drafts: &mut [Draft],
    by_order: &HashMap<String, usize>,
    by_refund: &HashMap<String, usize>,
) -> bool {
    let Some(parent) = child.get("__parentId").and_then(Value::as_str) else {
        return false;
    };
    if let Some(&i) = by_order.get(parent) {
        drafts[i].add_line(child);
        return true;
    }
    if let Some(&i) = by_refund.get(parent) {
        if child.get("lineItem").is_some() {
            drafts[i].add_refund_line(parent, child);
        } else {
            drafts[i].add_refund_shipping(parent, child);
        }
        return true;
    }
    false
}
