//! Workspace settings as typed, and their pure validation.

use super::InvalidInput;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::str::FromStr;

/// Everything a workspace can be created with. Unset fields take defaults.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WorkspaceInput {
    pub name: String,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub default_cogs_percent: Option<String>,
    #[serde(default)]
    pub payment_fee_percent: Option<String>,
    #[serde(default)]
    pub payment_fee_fixed: Option<String>,
}

/// A checked change to a workspace: `None` leaves a field as it is.
/// `default_cogs_percent: Some(None)` clears the estimate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkspacePatch {
    pub name: Option<String>,
    pub timezone: Option<String>,
    pub currency: Option<String>,
    pub default_cogs_percent: Option<Option<Decimal>>,
    pub payment_fee_percent: Option<Decimal>,
    pub payment_fee_fixed: Option<Decimal>,
}

impl WorkspacePatch {
    /// Check every given field of `input`; an empty string means "not given",
    /// except for the default COGS % where `"none"` clears it.
    pub fn from_input(input: &WorkspaceInput, name_required: bool) -> Result<Self, InvalidInput> {
        let name = input.name.trim();
        let name = if name.is_empty() {
            if name_required {
                return Err(InvalidInput::new("name", "a workspace needs a name"));
            }
            None
        } else {
            Some(validate_name(name)?)
        };
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        Ok(Self {
            name,
            timezone: given(&input.timezone)
                .map(|tz| validate_timezone(&tz))
                .transpose()?,
            currency: given(&input.currency)
                .map(|c| validate_currency(&c))
                .transpose()?,
            default_cogs_percent: given(&input.default_cogs_percent)
                .map(|p| {
                    if p.eq_ignore_ascii_case("none") {
                        Ok(None)
                    } else {
                        validate_percent("default_cogs_percent", &p).map(Some)
                    }
                })
                .transpose()?,
            payment_fee_percent: given(&input.payment_fee_percent)
                .map(|p| validate_percent("payment_fee_percent", &p))
                .transpose()?,
            payment_fee_fixed: given(&input.payment_fee_fixed)
                .map(|a| validate_amount("payment_fee_fixed", &a))
                .transpose()?,
        })
    }
}

pub fn validate_name(name: &str) -> Result<String, InvalidInput> {
    let name = name.trim();
    if name.is_empty() {
        return Err(InvalidInput::new("name", "a workspace needs a name"));
    }
    if name.chars().count() > 80 {
        return Err(InvalidInput::new(
            "name",
            "keep the name under 80 characters",
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(InvalidInput::new(
            "name",
            "the name contains a control character",
        ));
    }
    Ok(name.to_string())
}

/// An IANA zone name such as `Asia/Kolkata`.
pub fn validate_timezone(tz: &str) -> Result<String, InvalidInput> {
    chrono_tz::Tz::from_str(tz.trim())
        .map(|z| z.name().to_string())
        .map_err(|_| {
            InvalidInput::new(
                "timezone",
                format!("'{tz}' is not an IANA time zone; use a name like Europe/Berlin or Asia/Kolkata"),
            )
        })
}

/// An ISO 4217 code such as `INR`; lower case is accepted.
pub fn validate_currency(code: &str) -> Result<String, InvalidInput> {
    let upper = code.trim().to_ascii_uppercase();
    iso_currency::Currency::from_code(&upper)
        .map(|c| c.code().to_string())
        .ok_or_else(|| {
            InvalidInput::new(
                "currency",
                format!("'{code}' is not an ISO 4217 currency code; use one like USD, EUR or INR"),
            )
        })
}

/// A percentage from 0 to 100, e.g. `2.9`.
pub fn validate_percent(field: &str, raw: &str) -> Result<Decimal, InvalidInput> {
    let value = Decimal::from_str(raw.trim().trim_end_matches('%')).map_err(|_| {
        InvalidInput::new(
            field,
            format!("'{raw}' is not a number; write a percentage like 2.9"),
        )
    })?;
    if value < Decimal::ZERO || value > Decimal::ONE_HUNDRED {
        return Err(InvalidInput::new(
            field,
            format!("{value} is outside 0–100"),
        ));
    }
    Ok(value.normalize())
}

/// A non-negative money amount in the workspace currency, e.g. `0.30`.
pub fn validate_amount(field: &str, raw: &str) -> Result<Decimal, InvalidInput> {
    let value = Decimal::from_str(raw.trim()).map_err(|_| {
        InvalidInput::new(
            field,
            format!("'{raw}' is not an amount; write it like 0.30"),
        )
    })?;
    if value < Decimal::ZERO {
        return Err(InvalidInput::new(field, "must not be negative"));
    }
    Ok(value.normalize())
}

/// A recurring expense as typed: a monthly amount from a month on.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ExpenseInput {
    pub name: String,
    pub monthly_amount: String,
    /// `YYYY-MM`
    pub start_month: String,
    /// `YYYY-MM`; empty or absent = open-ended.
    #[serde(default)]
    pub end_month: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidExpense {
    pub name: String,
    pub monthly_amount: Decimal,
    pub start_month: String,
    pub end_month: Option<String>,
}

pub fn validate_expense(input: &ExpenseInput) -> Result<ValidExpense, InvalidInput> {
    let name = input.name.trim();
    if name.is_empty() {
        return Err(InvalidInput::new(
            "name",
            "give the expense a name, like Rent or Software",
        ));
    }
    if name.chars().count() > 80 {
        return Err(InvalidInput::new(
            "name",
            "keep the name under 80 characters",
        ));
    }
    let monthly_amount = validate_amount("monthly_amount", &input.monthly_amount)?;
    let start_month = validate_month("start_month", &input.start_month)?;
    let end_month = match input.end_month.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(m) => Some(validate_month("end_month", m)?),
    };
    if let Some(end) = &end_month {
        // `YYYY-MM` strings order as the months do.
        if *end < start_month {
            return Err(InvalidInput::new(
                "end_month",
                "the last month is before the first",
            ));
        }
    }
    Ok(ValidExpense {
        name: name.to_string(),
        monthly_amount,
        start_month,
        end_month,
    })
}

/// A calendar month written `YYYY-MM`.
pub fn validate_month(field: &str, raw: &str) -> Result<String, InvalidInput> {
    let raw = raw.trim();
    let ok = raw.len() == 7
        && chrono::NaiveDate::parse_from_str(&format!("{raw}-01"), "%Y-%m-%d").is_ok();
    if ok {
        Ok(raw.to_string())
    } else {
        Err(InvalidInput::new(
            field,
            format!("'{raw}' is not a month; write it as YYYY-MM, like 2026-01"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expenses() {
        let input = |start: &str, end: Option<&str>| ExpenseInput {
            name: "Rent".into(),
            monthly_amount: "30000".into(),
            start_month: start.into(),
            end_month: end.map(String::from),
        };
        let ok = validate_expense(&input("2026-01", Some(""))).unwrap();
        assert_eq!((ok.start_month.as_str(), ok.end_month), ("2026-01", None));
        assert!(validate_expense(&input("2026-03", Some("2026-03"))).is_ok());
        assert_eq!(
            validate_expense(&input("2026-03", Some("2026-02")))
                .unwrap_err()
                .field,
            "end_month"
        );
        assert_eq!(
            validate_expense(&input("2026-13", None)).unwrap_err().field,
            "start_month"
        );
        assert_eq!(
            validate_expense(&input("2026-1", None)).unwrap_err().field,
            "start_month"
        );
        let mut negative = input("2026-01", None);
        negative.monthly_amount = "-5".into();
        assert_eq!(
            validate_expense(&negative).unwrap_err().field,
            "monthly_amount"
        );
        let mut nameless = input("2026-01", None);
        nameless.name = " ".into();
        assert_eq!(validate_expense(&nameless).unwrap_err().field, "name");
    }

    #[test]
    fn zones_currencies_percents() {
        assert_eq!(validate_timezone("Asia/Kolkata").unwrap(), "Asia/Kolkata");
        assert!(validate_timezone("Mars/Olympus").is_err());
        assert!(validate_timezone("+05:30").is_err());
        assert_eq!(validate_currency("inr").unwrap(), "INR");
        assert!(validate_currency("XYZQ").is_err());
        assert!(validate_currency("ABC").is_err());
        assert_eq!(validate_percent("p", "40").unwrap(), Decimal::from(40));
        assert_eq!(validate_percent("p", "2.9%").unwrap(), Decimal::new(29, 1));
        assert!(validate_percent("p", "101").is_err());
        assert!(validate_percent("p", "-1").is_err());
        assert!(validate_percent("p", "abc").is_err());
        assert_eq!(validate_amount("a", "0.30").unwrap(), Decimal::new(3, 1));
        assert!(validate_amount("a", "-0.30").is_err());
    }

    #[test]
    fn patch_from_input() {
        let input = WorkspaceInput {
            name: " Shop ".into(),
            timezone: Some("Europe/Berlin".into()),
            currency: Some("".into()),
            default_cogs_percent: Some("none".into()),
            ..Default::default()
        };
        let p = WorkspacePatch::from_input(&input, true).unwrap();
        assert_eq!(p.name.as_deref(), Some("Shop"));
        assert_eq!(p.currency, None);
        assert_eq!(p.default_cogs_percent, Some(None));
        assert!(WorkspacePatch::from_input(&WorkspaceInput::default(), true).is_err());
        assert!(WorkspacePatch::from_input(&WorkspaceInput::default(), false).is_ok());
    }
}
