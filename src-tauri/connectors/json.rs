//! Numbers as vendors send them: exact decimals and whole numbers from JSON
//! strings or numbers.

use rust_decimal::Decimal;

/// A decimal the platform sent as a JSON string or number.
pub fn decimal(v: &serde_json::Value, what: &str) -> Result<Decimal, String> {
    let text = match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Null => return Ok(Decimal::ZERO),
        other => return Err(format!("{what}: {other} is not a number")),
    };
    text.parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|_| format!("{what}: '{text}' is not a number"))
}

/// A whole number the platform sent as a JSON string or number.
pub fn integer(v: &serde_json::Value, what: &str) -> Result<i64, String> {
    match v {
        serde_json::Value::String(s) => s
            .parse()
            .map_err(|_| format!("{what}: '{s}' is not a whole number")),
        serde_json::Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| format!("{what}: {n} is not a whole number")),
        serde_json::Value::Null => Ok(0),
        other => Err(format!("{what}: {other} is not a whole number")),
    }
}

/// An e-mail a vendor sent under `key`, as the product matches people: trimmed
/// and lower case; `None` when missing or empty.
pub fn email(v: &serde_json::Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(serde_json::Value::as_str)
        .and_then(normal_email)
}

/// An e-mail as the product matches people: trimmed and lower case; `None`
/// when empty.
pub fn normal_email(raw: &str) -> Option<String> {
    Some(raw.trim())
        .filter(|e| !e.is_empty())
        .map(str::to_lowercase)
}

/// The rows of a reply's JSON array, each as its own text, so a connector
/// can read a row with a typed reader and fall back to a full one only for a
/// row that reader refuses.
pub fn rows(body: &[u8]) -> Result<Vec<&serde_json::value::RawValue>, serde_json::Error> {
    serde_json::from_slice(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_arrive_as_strings_or_numbers() {
        use serde_json::json;
        assert_eq!(
            decimal(&json!("12.50"), "spend").unwrap(),
            Decimal::new(1250, 2)
        );
        assert_eq!(
            decimal(&json!(540.0), "value").unwrap(),
            Decimal::new(540, 0)
        );
        assert_eq!(decimal(&json!(1e-3), "x").unwrap(), Decimal::new(1, 3));
        assert!(decimal(&json!("abc"), "spend").is_err());
        assert_eq!(integer(&json!("12345"), "impressions").unwrap(), 12345);
        assert!(integer(&json!("1.5"), "clicks").is_err());
    }
}
