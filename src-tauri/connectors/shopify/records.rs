//! Shopify orders as JSON → [`Order`]s. The same small parsers serve a paged
//! query (nested lists inline, later pages appended) and a bulk export (every
//! nested connection's nodes on lines of their own, found by `__parentId`).
//!
//! How the fields map to `metrics.md`:
//! - day: `processedAt`, else `createdAt`; voided = `displayFinancialStatus` VOIDED;
//! - a line's quantity is `currentQuantity` (after edits and refunds) plus what
//!   its refunds took back, i.e. after edits and before refunds; its price is
//!   `originalUnitPriceSet`;
//! - discounts, shipping and taxes are `totalDiscountsSet`,
//!   `totalShippingPriceSet` and `totalTaxSet` (before returns);
//! - a refund's lines carry `subtotalSet` (after discounts, without tax) and its
//!   refunded shipping is the sum of its `refundShippingLines` subtotals.
//!
//! All amounts are `shopMoney`, the shop's currency.

use crate::domain::records::{FinancialStatus, Order, OrderLine, Refund, RefundLine, Variant};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;

/// The selection of one order, shared by the paged query and the bulk query.
/// Nested connections get their page size from the caller (`{lines}` etc.).
pub const ORDER_FIELDS: &str =
    "id legacyResourceId name createdAt updatedAt processedAt cancelledAt test \
displayFinancialStatus \
totalDiscountsSet { shopMoney { amount } } \
totalShippingPriceSet { shopMoney { amount } } \
totalTaxSet { shopMoney { amount } } \
customer { id numberOfOrders }";

pub const LINE_FIELDS: &str =
    "id currentQuantity originalUnitPriceSet { shopMoney { amount } } variant { id }";
pub const REFUND_LINE_FIELDS: &str =
    "lineItem { id } quantity subtotalSet { shopMoney { amount } }";
pub const REFUND_SHIPPING_FIELDS: &str = "id subtotalAmountSet { shopMoney { amount } }";

fn text<'a>(v: &'a Value, key: &str) -> Result<&'a str, String> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{key} is missing"))
}

fn time(v: &Value, key: &str) -> Result<DateTime<Utc>, String> {
    let raw = text(v, key)?;
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("{key} '{raw}' is not a timestamp"))
}

fn optional_time(v: &Value, key: &str) -> Result<Option<DateTime<Utc>>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => time(v, key).map(Some),
    }
}

/// `<key>.shopMoney.amount` as an exact decimal; a missing money bag is 0.
fn money(v: &Value, key: &str) -> Result<Decimal, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(Decimal::ZERO),
        Some(bag) => {
            let raw = bag
                .pointer("/shopMoney/amount")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{key}.shopMoney.amount is missing"))?;
            raw.parse::<Decimal>()
                .map_err(|_| format!("{key} '{raw}' is not a decimal amount"))
        }
    }
}

fn count(v: &Value, key: &str) -> Result<i64, String> {
    v.get(key)
        .and_then(|n| n.as_i64().or_else(|| n.as_str()?.parse().ok()))
        .ok_or_else(|| format!("{key} is missing or not a whole number"))
}

/// The nodes of a connection, given as `nodes` or `edges { node }`.
pub fn nodes(connection: Option<&Value>) -> Vec<&Value> {
    let Some(c) = connection else { return vec![] };
    if let Some(list) = c.get("nodes").and_then(Value::as_array) {
        return list.iter().collect();
    }
    c.get("edges")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("node"))
        .collect()
}

/// `pageInfo.endCursor` when another page follows.
pub fn next_page(connection: Option<&Value>) -> Option<String> {
    let info = connection?.get("pageInfo")?;
    if info.get("hasNextPage").and_then(Value::as_bool) != Some(true) {
        return None;
    }
    info.get("endCursor")
        .and_then(Value::as_str)
        .map(String::from)
}

pub fn line(v: &Value) -> Result<OrderLine, String> {
    Ok(OrderLine {
        id: text(v, "id")?.to_string(),
        variant_id: v
            .pointer("/variant/id")
            .and_then(Value::as_str)
            .map(String::from),
        quantity: count(v, "currentQuantity")?,
        unit_price: money(v, "originalUnitPriceSet")?,
    })
}

pub fn refund_line(v: &Value) -> Result<RefundLine, String> {
    Ok(RefundLine {
        line_id: v
            .pointer("/lineItem/id")
            .and_then(Value::as_str)
            .ok_or("refund line has no lineItem.id")?
            .to_string(),
        quantity: count(v, "quantity")?,
        subtotal: money(v, "subtotalSet")?,
    })
}

pub fn refund_shipping(v: &Value) -> Result<Decimal, String> {
    money(v, "subtotalAmountSet")
}

/// An order being put together; [`Draft::finish`] gives the [`Order`].
#[derive(Debug, Clone)]
pub struct Draft {
    pub order: Order,
    pub updated_at: DateTime<Utc>,
    /// Why the order cannot be kept, once a part of it failed to parse.
    pub bad: Option<String>,
}

impl Draft {
    /// The order's own fields, and whatever nested lists came inline.
    pub fn parse(v: &Value) -> Result<Self, String> {
        let status = v
            .get("displayFinancialStatus")
            .and_then(Value::as_str)
            .unwrap_or("");
        let customer = v.get("customer").filter(|c| !c.is_null());
        let mut refunds = Vec::new();
        for r in v
            .get("refunds")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let mut refund = Refund {
                id: text(r, "id")?.to_string(),
                created_at: time(r, "createdAt")?,
                lines: Vec::new(),
                shipping: Decimal::ZERO,
            };
            for l in nodes(r.get("refundLineItems")) {
                refund.lines.push(refund_line(l)?);
            }
            for s in nodes(r.get("refundShippingLines")) {
                refund.shipping += refund_shipping(s)?;
            }
            refunds.push(refund);
        }
        let lines = nodes(v.get("lineItems"))
            .into_iter()
            .map(line)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            order: Order {
                id: text(v, "id")?.to_string(),
                name: v.get("name").and_then(Value::as_str).map(String::from),
                legacy_id: v.get("legacyResourceId").and_then(|n| {
                    n.as_str()
                        .map(String::from)
                        .or_else(|| Some(n.as_u64()?.to_string()))
                }),
                processed_at: optional_time(v, "processedAt")?,
                created_at: time(v, "createdAt")?,
                test: v.get("test").and_then(Value::as_bool).unwrap_or(false),
                financial_status: if status == "VOIDED" {
                    FinancialStatus::Voided
                } else {
                    FinancialStatus::Other
                },
                customer_id: customer
                    .map(|c| text(c, "id").map(String::from))
                    .transpose()?,
                customer_order_count: customer
                    .map(|c| count(c, "numberOfOrders").map(|n| n.max(0) as u64))
                    .transpose()?,
                discounts: money(v, "totalDiscountsSet")?,
                shipping: money(v, "totalShippingPriceSet")?,
                taxes: money(v, "totalTaxSet")?,
                lines,
                refunds,
            },
            updated_at: time(v, "updatedAt")?,
            bad: None,
        })
    }

    fn refund_mut(&mut self, refund_id: &str) -> Option<&mut Refund> {
        self.order.refunds.iter_mut().find(|r| r.id == refund_id)
    }

    /// Add a later page (or a bulk child line) of a refund's lines.
    pub fn add_refund_line(&mut self, refund_id: &str, v: &Value) {
        match (refund_line(v), self.refund_mut(refund_id)) {
            (Ok(l), Some(r)) => r.lines.push(l),
            (Err(e), _) => self.bad = Some(e),
            (_, None) => self.bad = Some(format!("refund {refund_id} is not on the order")),
        }
    }

    pub fn add_refund_shipping(&mut self, refund_id: &str, v: &Value) {
        match (refund_shipping(v), self.refund_mut(refund_id)) {
            (Ok(s), Some(r)) => r.shipping += s,
            (Err(e), _) => self.bad = Some(e),
            (_, None) => self.bad = Some(format!("refund {refund_id} is not on the order")),
        }
    }

    /// A refund's line or shipping read by [`ExportLine`].
    pub fn add_refund_parts(
        &mut self,
        refund_id: &str,
        line: Option<RefundLine>,
        shipping: Option<Decimal>,
    ) -> bool {
        let Some(r) = self.refund_mut(refund_id) else {
            return false;
        };
        if let Some(l) = line {
            r.lines.push(l);
        }
        if let Some(s) = shipping {
            r.shipping += s;
        }
        true
    }

    pub fn add_line(&mut self, v: &Value) {
        match line(v) {
            Ok(l) => self.order.lines.push(l),
            Err(e) => self.bad = Some(e),
        }
    }

    /// The finished order: each line's quantity is put back to "after edits,
    /// before refunds" by adding what the refunds took back.
    pub fn finish(mut self) -> Result<Order, String> {
        if let Some(why) = self.bad {
            return Err(why);
        }
        for r in &self.order.refunds {
            for rl in &r.lines {
                if let Some(l) = self.order.lines.iter_mut().find(|l| l.id == rl.line_id) {
                    l.quantity += rl.quantity;
                }
            }
        }
        Ok(self.order)
    }
}

/// One line of a bulk export, read for only the fields the bulk query asks
/// for, its strings borrowed from the line: no tree of values per line (an
/// export of a year is hundreds of thousands of lines). Any other field, an
/// escaped string or a number where a string is expected makes it refuse the
/// line, which then goes through the full reader, so a bad line's reason is
/// the same either way.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportLine<'a> {
    #[serde(rename = "__parentId", borrow)]
    pub parent: Option<&'a str>,
    #[serde(borrow)]
    id: Option<&'a str>,
    // An order's own fields (ORDER_FIELDS); its refunds come inline.
    #[serde(borrow)]
    legacy_resource_id: Option<&'a str>,
    #[serde(borrow)]
    name: Option<&'a str>,
    #[serde(borrow)]
    created_at: Option<&'a str>,
    #[serde(borrow)]
    updated_at: Option<&'a str>,
    #[serde(borrow)]
    processed_at: Option<&'a str>,
    /// Asked for, not used by the figures.
    #[serde(borrow)]
    #[allow(dead_code)]
    cancelled_at: Option<&'a str>,
    test: Option<bool>,
    #[serde(borrow)]
    display_financial_status: Option<&'a str>,
    #[serde(borrow)]
    total_discounts_set: Option<TypedMoney<'a>>,
    #[serde(borrow)]
    total_shipping_price_set: Option<TypedMoney<'a>>,
    #[serde(borrow)]
    total_tax_set: Option<TypedMoney<'a>>,
    #[serde(borrow)]
    customer: Option<TypedCustomer<'a>>,
    #[serde(borrow)]
    refunds: Option<Vec<TypedRefund<'a>>>,
    // A line item (LINE_FIELDS).
    current_quantity: Option<i64>,
    #[serde(borrow)]
    original_unit_price_set: Option<TypedMoney<'a>>,
    #[serde(borrow)]
    variant: Option<TypedId<'a>>,
    // A refund's line (REFUND_LINE_FIELDS); `Some(None)` for a null one,
    // which the full reader still takes for a refund's line.
    #[serde(default, borrow, deserialize_with = "present")]
    line_item: Option<Option<TypedId<'a>>>,
    quantity: Option<i64>,
    #[serde(borrow)]
    subtotal_set: Option<TypedMoney<'a>>,
    // A refund's shipping line (REFUND_SHIPPING_FIELDS).
    #[serde(borrow)]
    subtotal_amount_set: Option<TypedMoney<'a>>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TypedMoney<'a> {
    #[serde(rename = "shopMoney", borrow)]
    shop_money: TypedAmount<'a>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TypedAmount<'a> {
    #[serde(borrow)]
    amount: &'a str,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TypedId<'a> {
    #[serde(borrow)]
    id: &'a str,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TypedCustomer<'a> {
    #[serde(borrow)]
    id: &'a str,
    #[serde(borrow)]
    number_of_orders: Option<&'a str>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TypedRefund<'a> {
    #[serde(borrow)]
    id: &'a str,
    #[serde(borrow)]
    created_at: &'a str,
}

/// A field that is there, even as null.
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

fn typed_time(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A money bag's amount; a missing one is 0, as [`money`] has it.
fn typed_money(m: &Option<TypedMoney<'_>>) -> Option<Decimal> {
    match m {
        None => Some(Decimal::ZERO),
        Some(m) => m.shop_money.amount.parse().ok(),
    }
}

impl<'a> ExportLine<'a> {
    /// Read a line, or `None` when it is not one this reader knows. The
    /// line is checked for UTF-8 once, whole, rather than string by string
    /// as reading from bytes does (about 3 % of a backfill's instructions).
    pub fn read(line: &'a [u8]) -> Option<Self> {
        serde_json::from_str(std::str::from_utf8(line).ok()?).ok()
    }

    /// The order on a line of its own, as [`Draft::parse`] would read it;
    /// `None` where that reader must say why not.
    pub fn order(&self) -> Option<Draft> {
        let mut refunds = Vec::new();
        for r in self.refunds.iter().flatten() {
            refunds.push(Refund {
                id: r.id.to_string(),
                created_at: typed_time(r.created_at)?,
                lines: Vec::new(),
                shipping: Decimal::ZERO,
            });
        }
        let customer_order_count = match &self.customer {
            None => None,
            Some(c) => Some(c.number_of_orders?.parse::<i64>().ok()?.max(0) as u64),
        };
        let processed_at = match self.processed_at {
            None => None,
            Some(t) => Some(typed_time(t)?),
        };
        Some(Draft {
            order: Order {
                id: self.id?.to_string(),
                name: self.name.map(String::from),
                legacy_id: self.legacy_resource_id.map(String::from),
                processed_at,
                created_at: typed_time(self.created_at?)?,
                test: self.test.unwrap_or(false),
                financial_status: if self.display_financial_status == Some("VOIDED") {
                    FinancialStatus::Voided
                } else {
                    FinancialStatus::Other
                },
                customer_id: self.customer.as_ref().map(|c| c.id.to_string()),
                customer_order_count,
                discounts: typed_money(&self.total_discounts_set)?,
                shipping: typed_money(&self.total_shipping_price_set)?,
                taxes: typed_money(&self.total_tax_set)?,
                lines: Vec::new(),
                refunds,
            },
            updated_at: typed_time(self.updated_at?)?,
            bad: None,
        })
    }

    /// The line item on a child line, as [`line`] would read it.
    pub fn line(&self) -> Option<OrderLine> {
        Some(OrderLine {
            id: self.id?.to_string(),
            variant_id: self.variant.as_ref().map(|v| v.id.to_string()),
            quantity: self.current_quantity?,
            unit_price: typed_money(&self.original_unit_price_set)?,
        })
    }

    /// Whether the child line is a refund's line (else its shipping).
    pub fn is_refund_line(&self) -> bool {
        self.line_item.is_some()
    }

    /// A refund's line, as [`refund_line`] would read it.
    pub fn refund_line(&self) -> Option<RefundLine> {
        Some(RefundLine {
            line_id: self.line_item.as_ref()?.as_ref()?.id.to_string(),
            quantity: self.quantity?,
            subtotal: typed_money(&self.subtotal_set)?,
        })
    }

    /// A refund's shipping line, as [`refund_shipping`] would read it.
    pub fn refund_shipping(&self) -> Option<Decimal> {
        typed_money(&self.subtotal_amount_set)
    }
}

/// An inventory item of the `variants` stream: its variant, with the shop's
/// unit cost and what names it, and when the item last changed.
pub fn variant(item: &Value) -> Result<(Variant, DateTime<Utc>), String> {
    let node = *nodes(item.get("variants"))
        .first()
        .ok_or("the inventory item has no variant")?;
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(String::from);
    let decimal = |v: Option<&Value>, what: &str| -> Result<Option<Decimal>, String> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(a) => a
                .as_str()
                .and_then(|s| s.parse().ok())
                .map(Some)
                .ok_or(format!("{what} is not a decimal")),
        }
    };
    let id = text(node.get("id")).ok_or("the inventory item's variant has no id")?;
    let at = item
        .get("updatedAt")
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .ok_or("updatedAt is missing")?;
    Ok((
        Variant {
            id,
            unit_cost: decimal(item.pointer("/unitCost/amount"), "unitCost.amount")?,
            sku: text(item.get("sku")).filter(|s| !s.trim().is_empty()),
            title: text(node.get("title")),
            price: decimal(node.get("price"), "price")?,
            product_id: text(node.pointer("/product/id")),
            product: text(node.pointer("/product/title")),
        },
        at.with_timezone(&Utc),
    ))
}

/// A product of the `products` stream: its id and title, and when it last
/// changed (a rename changes the product, not its inventory items).
pub fn product_title(node: &Value) -> Result<((String, String), DateTime<Utc>), String> {
    let text = |k: &str| node.get(k).and_then(Value::as_str).map(String::from);
    let id = text("id").ok_or("the product has no id")?;
    let title = text("title").ok_or("the product has no title")?;
    let at = text("updatedAt")
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .ok_or("updatedAt is missing or not a time")?;
    Ok(((id, title), at.with_timezone(&Utc)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(a: &str) -> Value {
        json!({"shopMoney": {"amount": a}})
    }

    #[test]
    fn an_order_with_a_refund_books_quantities_before_refunds() {
        let v = json!({
            "id": "gid://shopify/Order/1", "legacyResourceId": "1", "name": "#1001",
            "createdAt": "2026-03-09T18:59:00Z", "updatedAt": "2026-03-12T06:00:00Z",
            "processedAt": "2026-03-09T19:00:00Z", "cancelledAt": null, "test": false,
            "displayFinancialStatus": "PARTIALLY_REFUNDED",
            "totalDiscountsSet": m("100.00"), "totalShippingPriceSet": m("50.00"), "totalTaxSet": m("90.00"),
            "customer": {"id": "gid://shopify/Customer/7", "numberOfOrders": "1"},
            "lineItems": {"pageInfo": {"hasNextPage": false, "endCursor": null}, "nodes": [
                {"id": "gid://shopify/LineItem/9", "currentQuantity": 1, "originalUnitPriceSet": m("500.00"),
                 "variant": {"id": "gid://shopify/ProductVariant/3"}}]},
            "refunds": [{"id": "gid://shopify/Refund/4", "createdAt": "2026-03-12T06:00:00Z",
                "refundLineItems": {"nodes": [{"lineItem": {"id": "gid://shopify/LineItem/9"}, "quantity": 1,
                    "subtotalSet": m("450.00")}]},
                "refundShippingLines": {"nodes": []}}]
        });
        let o = Draft::parse(&v).unwrap().finish().unwrap();
        assert_eq!(o.name.as_deref(), Some("#1001"));
        assert_eq!(o.legacy_id.as_deref(), Some("1"));
        assert_eq!(o.lines[0].quantity, 2, "current 1 + refunded 1");
        assert_eq!(o.lines[0].unit_price, Decimal::new(50000, 2));
        assert_eq!(o.customer_order_count, Some(1));
        assert_eq!(o.refunds[0].lines[0].subtotal, Decimal::new(45000, 2));
        assert_eq!(o.discounts, Decimal::new(10000, 2));
    }

    #[test]
    fn a_bad_amount_names_the_field() {
        let v = json!({"id": "gid://shopify/Order/2", "createdAt": "2026-03-09T18:59:00Z",
            "updatedAt": "2026-03-09T18:59:00Z", "totalTaxSet": m("ten")});
        let e = Draft::parse(&v).unwrap_err();
        assert!(e.contains("totalTaxSet"), "{e}");
    }

    #[test]
    fn a_product_without_a_title_or_time_is_set_aside_with_the_reason() {
        let ok = json!({"id": "gid://shopify/Product/7", "title": "Linen shirt",
            "updatedAt": "2026-03-09T18:59:00Z"});
        let ((id, title), at) = product_title(&ok).unwrap();
        assert_eq!(
            (id.as_str(), title.as_str()),
            ("gid://shopify/Product/7", "Linen shirt")
        );
        assert_eq!(at.to_rfc3339(), "2026-03-09T18:59:00+00:00");
        let untitled =
            json!({"id": "gid://shopify/Product/7", "updatedAt": "2026-03-09T18:59:00Z"});
        assert_eq!(
            product_title(&untitled).unwrap_err(),
            "the product has no title"
        );
        let undated = json!({"id": "gid://shopify/Product/7", "title": "x", "updatedAt": "soon"});
        assert_eq!(
            product_title(&undated).unwrap_err(),
            "updatedAt is missing or not a time"
        );
    }
}
