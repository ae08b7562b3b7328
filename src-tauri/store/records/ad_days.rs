//! Ad days (campaign × day), upserted by (platform, campaign, date) and read
//! by date.

use super::{with_page_marks, LoadedRecords, Range};
use crate::domain::records::{AdDay, AdPlatform};
use crate::store::{parse_decimal, Result};
use rusqlite::{params, Connection, Transaction};

/// Store a page of ad days. A day stored already and unchanged is not
/// written again; the days inserted or changed are marked once each
/// (migration 16).
pub(super) fn upsert(tx: &Transaction<'_>, c: i64, days: &[AdDay]) -> rusqlite::Result<u64> {
    with_page_marks(tx, c, "local_day", |written| {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO ad_days (connection_id, platform, campaign_id, date, spend, impressions,
                 clicks, reach, purchases, purchase_value)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (connection_id, campaign_id, date) DO UPDATE SET
                 platform = excluded.platform, spend = excluded.spend,
                 impressions = excluded.impressions, clicks = excluded.clicks,
                 reach = excluded.reach, purchases = excluded.purchases,
                 purchase_value = excluded.purchase_value
             WHERE platform IS NOT excluded.platform OR spend IS NOT excluded.spend
                OR impressions IS NOT excluded.impressions OR clicks IS NOT excluded.clicks
                OR reach IS NOT excluded.reach OR purchases IS NOT excluded.purchases
                OR purchase_value IS NOT excluded.purchase_value
             RETURNING date",
        )?;
        for a in days {
            let platform = match a.platform {
                AdPlatform::Meta => "meta",
                AdPlatform::Google => "google",
            };
            let mut rows = stmt.query(params![
                c,
                platform,
                a.campaign_id,
                a.date.to_string(),
                a.spend.to_string(),
                a.impressions,
                a.clicks,
                a.reach,
                a.purchases.to_string(),
                a.purchase_value.to_string(),
            ])?;
            if let Some(row) = rows.next()? {
                written.insert(row.get::<_, String>(0)?);
            }
        }
        Ok(())
    })?;
    Ok(days.len() as u64)
}

/// The range's ad days.
pub(super) fn load(db: &Connection, q: &Range<'_>, out: &mut LoadedRecords) -> Result<()> {
    let mut stmt = db.prepare(
            "SELECT platform, campaign_id, date, spend, impressions, clicks, reach, purchases, purchase_value
             FROM ad_days WHERE connection_id IN (SELECT value FROM json_each(?1)) AND date >= ?2 AND date <= ?3",
        )?;
    let mut rows = stmt.query(params![q.ids, q.from.to_string(), q.to.to_string()])?;
    while let Some(r) = rows.next()? {
        let date: String = r.get(2)?;
        out.ads.push(AdDay {
            platform: if r.get::<_, String>(0)? == "meta" {
                AdPlatform::Meta
            } else {
                AdPlatform::Google
            },
            campaign_id: r.get(1)?,
            date: date
                .parse()
                .map_err(|_| crate::store::StoreError::Corrupt(format!("ad date '{date}'")))?,
            spend: parse_decimal("spend", &r.get::<_, String>(3)?)?,
            impressions: r.get(4)?,
            clicks: r.get(5)?,
            reach: r.get(6)?,
            purchases: parse_decimal("purchases", &r.get::<_, String>(7)?)?,
            purchase_value: parse_decimal("purchase_value", &r.get::<_, String>(8)?)?,
        });
    }
    Ok(())
}
