//! Goals as the person sets them: a metric, a scope (the workspace or one
//! team member), a period, and targets that each apply from a period on
//! (past periods keep the target they had). The arithmetic is in
//! `metrics::goals`.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Daily,
    Weekly,
    Monthly,
}

impl Period {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Daily => "daily",
            Self::Weekly => "weekly",
            Self::Monthly => "monthly",
        }
    }
}

impl FromStr for Period {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "daily" => Ok(Self::Daily),
            "weekly" => Ok(Self::Weekly),
            "monthly" => Ok(Self::Monthly),
            other => Err(format!(
                "'{other}' is not a period; use daily, weekly or monthly"
            )),
        }
    }
}

/// A goal with every target it has had, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goal {
    pub id: i64,
    pub workspace_id: super::WorkspaceId,
    pub metric: String,
    /// A member's e-mail (lower case), or `None` for the workspace.
    pub member: Option<String>,
    pub period: Period,
    /// (first day of the period it applies from, target).
    pub targets: Vec<(NaiveDate, Decimal)>,
}

impl Goal {
    /// The target in force for the period that starts on `first_day`: the
    /// latest set at or before it; the first target before any change.
    pub fn target_for(&self, first_day: NaiveDate) -> Decimal {
        self.targets
            .iter()
            .rev()
            .find(|(from, _)| *from <= first_day)
            .or(self.targets.first())
            .map(|(_, t)| *t)
            .unwrap_or_default()
    }
}

/// A target as typed: a positive number.
pub fn parse_target(raw: &str) -> Result<Decimal, super::InvalidInput> {
    let bad = || {
        super::InvalidInput::new(
            "target",
            format!("'{raw}' is not a target; give a number above 0, like 25000 or 2.5"),
        )
    };
    let t: Decimal = raw.trim().parse().map_err(|_| bad())?;
    if t <= Decimal::ZERO {
        return Err(bad());
    }
    Ok(t.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_applies_from_its_period_on_and_the_first_before_it() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let g = Goal {
            id: 1,
            workspace_id: super::super::WorkspaceId(1),
            metric: "revenue".into(),
            member: None,
            period: Period::Monthly,
            targets: vec![
                (d("2026-10-01"), Decimal::from(100)),
                (d("2026-12-01"), Decimal::from(150)),
            ],
        };
        assert_eq!(g.target_for(d("2026-08-01")), Decimal::from(100));
        assert_eq!(g.target_for(d("2026-11-01")), Decimal::from(100));
        assert_eq!(g.target_for(d("2026-12-01")), Decimal::from(150));
    }

    #[test]
    fn targets_are_positive_numbers() {
        assert_eq!(parse_target("25000"), Ok(Decimal::from(25000)));
        assert_eq!(parse_target(" 2.50 "), Ok(Decimal::new(25, 1)));
        for bad in ["0", "-3", "lots", ""] {
            assert_eq!(parse_target(bad).unwrap_err().field, "target", "{bad}");
        }
    }
}
