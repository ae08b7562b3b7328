//! Copper's JSON → records: users (the team), activity types (the e-mail and
//! phone-call types, found by name: their ids differ per account), activities
//! and leads. Timestamps are Unix seconds; ids are integers.

use crate::domain::records::{Activity, ActivityKind, SourceUser};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::collections::HashMap;

/// An activity type as a search names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeRef {
    pub id: i64,
    pub category: String,
}

/// The account's e-mail and phone-call activity types.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActivityTypes {
    pub email: Option<TypeRef>,
    pub phone_call: Option<TypeRef>,
}

/// `Phone Call`, `phone-call`, `E-mail` → `phonecall`, `email`.
fn folded(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

impl ActivityTypes {
    /// Read `/activity_types`: `{"user": [...], "system": [...]}`. A disabled
    /// type still names the activities logged with it before.
    pub fn parse(v: &Value) -> Self {
        let mut out = Self::default();
        for (category, list) in v.as_object().into_iter().flatten() {
            for t in list.as_array().into_iter().flatten() {
                let (Some(id), Some(name)) = (
                    t.get("id").and_then(Value::as_i64),
                    t.get("name").and_then(Value::as_str),
                ) else {
                    continue;
                };
                let found = Some(TypeRef {
                    id,
                    category: t
                        .get("category")
                        .and_then(Value::as_str)
                        .unwrap_or(category)
                        .to_string(),
                });
                match folded(name).as_str() {
                    "email" if out.email.is_none() => out.email = found,
                    "phonecall" if out.phone_call.is_none() => out.phone_call = found,
                    _ => {}
                }
            }
        }
        out
    }

    /// The kinds metrics.md counts, for a search's `activity_types`.
    pub fn search_filter(&self) -> Vec<Value> {
        [&self.email, &self.phone_call]
            .into_iter()
            .flatten()
            .map(|t| json!({"id": t.id, "category": t.category}))
            .collect()
    }

    pub fn kinds(&self) -> Vec<ActivityKind> {
        let mut out = Vec::new();
        if self.email.is_some() {
            out.push(ActivityKind::Email);
        }
        if self.phone_call.is_some() {
            out.push(ActivityKind::CrmCall);
        }
        out
    }

    fn kind_of(&self, id: i64) -> Option<ActivityKind> {
        if self.email.as_ref().is_some_and(|t| t.id == id) {
            Some(ActivityKind::Email)
        } else if self.phone_call.as_ref().is_some_and(|t| t.id == id) {
            Some(ActivityKind::CrmCall)
        } else {
            None
        }
    }
}

fn time(v: &Value, key: &str) -> Result<DateTime<Utc>, String> {
    let secs = v
        .get(key)
        .and_then(Value::as_i64)
        .ok_or_else(|| format!("{key} is missing or not Unix seconds"))?;
    DateTime::from_timestamp(secs, 0).ok_or_else(|| format!("{key} {secs} is out of range"))
}

fn id(v: &Value) -> Result<i64, String> {
    v.get("id")
        .and_then(Value::as_i64)
        .ok_or_else(|| "id is missing".to_string())
}

/// A Copper user → one of the team, by their e-mail (lower case).
pub fn user(v: &Value) -> Result<SourceUser, String> {
    Ok(SourceUser {
        id: id(v)?.to_string(),
        email: crate::connectors::json::email(v, "email"),
        name: v
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
    })
}

/// The member an owner id names: the user's e-mail, when known.
fn member(users: &HashMap<i64, String>, v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_i64)
        .and_then(|u| users.get(&u).cloned())
}

/// A Copper activity → an e-mail or CRM call; `Ok(None)` for any other type
/// (notes, meetings, system changes count nowhere).
pub fn activity(
    v: &Value,
    types: &ActivityTypes,
    users: &HashMap<i64, String>,
) -> Result<Option<Activity>, String> {
    let id = id(v)?;
    let type_id = v
        .pointer("/type/id")
        .and_then(Value::as_i64)
        .ok_or("type.id is missing")?;
    let Some(kind) = types.kind_of(type_id) else {
        return Ok(None);
    };
    Ok(Some(Activity {
        id: format!("activity:{id}"),
        kind,
        at: time(v, "activity_date")?,
        talk_time_s: 0,
        member: member(users, v, "user_id"),
    }))
}

/// A Copper lead → a lead on the day it was created, for its assignee.
pub fn lead(v: &Value, users: &HashMap<i64, String>) -> Result<Activity, String> {
    Ok(Activity {
        id: format!("lead:{}", id(v)?),
        kind: ActivityKind::Lead,
        at: time(v, "date_created")?,
        talk_time_s: 0,
        member: member(users, v, "assignee_id"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_found_by_name_whatever_their_ids() {
        let t = ActivityTypes::parse(&json!({
            "user": [
                {"id": 0, "category": "user", "name": "Note"},
                {"id": 2160510, "category": "user", "name": "Phone Call"},
                {"id": 2160511, "category": "user", "name": "Meeting"}
            ],
            "system": [
                {"id": 1, "category": "system", "name": "Property Changed"},
                {"id": 6, "category": "system", "name": "Email"}
            ]
        }));
        assert_eq!(
            t.email,
            Some(TypeRef {
                id: 6,
                category: "system".into()
            })
        );
        assert_eq!(
            t.phone_call,
            Some(TypeRef {
                id: 2160510,
                category: "user".into()
            })
        );
        assert_eq!(t.kinds(), [ActivityKind::Email, ActivityKind::CrmCall]);
        assert!(ActivityTypes::parse(&json!({"user": []}))
            .kinds()
            .is_empty());
    }

    #[test]
    fn activities_keep_their_member_and_other_types_count_nowhere() {
        let types = ActivityTypes::parse(&json!({"user": [{"id": 9, "name": "E-mail"}]}));
        let users = HashMap::from([(7, "ana@acme.example".to_string())]);
        let a = activity(
            &json!({"id": 1, "type": {"id": 9}, "user_id": 7, "activity_date": 1_767_225_599}),
            &types,
            &users,
        )
        .unwrap()
        .unwrap();
        assert_eq!(a.kind, ActivityKind::Email);
        assert_eq!(a.member.as_deref(), Some("ana@acme.example"));
        assert_eq!(a.at.to_rfc3339(), "2025-12-31T23:59:59+00:00");
        let note = json!({"id": 2, "type": {"id": 0}, "user_id": 7, "activity_date": 1});
        assert_eq!(activity(&note, &types, &users), Ok(None));
        let nobody = json!({"id": 3, "type": {"id": 9}, "user_id": null, "activity_date": 1});
        assert_eq!(
            activity(&nobody, &types, &users).unwrap().unwrap().member,
            None
        );
        assert!(activity(&json!({"id": 4, "type": {"id": 9}}), &types, &users).is_err());
    }

    #[test]
    fn users_are_matched_by_lower_case_e_mail() {
        let u = user(&json!({"id": 5, "name": "Ana", "email": " Ana@Acme.Example "})).unwrap();
        assert_eq!(u.email.as_deref(), Some("ana@acme.example"));
        assert_eq!(
            user(&json!({"id": 6, "name": "No mail"})).unwrap().email,
            None
        );
    }
}
