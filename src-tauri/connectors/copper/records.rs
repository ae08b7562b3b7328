//! Copper's JSON → records: users (the team), activity types (the e-mail and
//! phone-call types, found by name: their ids differ per account), activities
//! leads, opportunities and pipelines. Timestamps are Unix seconds; ids are
//! integers.

use crate::domain::records::{
    Activity, ActivityKind, DealStatus, Opportunity, PipelineStage, SourceUser,
};
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

/// The fields of an activity [`activity_text`] reads.
#[derive(serde::Deserialize)]
struct ActivityRow {
    id: i64,
    #[serde(rename = "type")]
    kind: ActivityRowType,
    user_id: Option<serde_json::Number>,
    activity_date: i64,
}

#[derive(serde::Deserialize)]
struct ActivityRowType {
    id: i64,
}

/// An activity's JSON text → its id and [`activity`]'s answer, reading only
/// the fields it needs (a team's year is half a million activities); a row
/// that reader refuses goes through [`activity`], so its reason is the same.
pub fn activity_text(
    text: &str,
    types: &ActivityTypes,
    users: &HashMap<i64, String>,
) -> (Option<String>, Result<Option<Activity>, String>) {
    if let Ok(r) = serde_json::from_str::<ActivityRow>(text) {
        if let Some(at) = DateTime::from_timestamp(r.activity_date, 0) {
            let found = types.kind_of(r.kind.id).map(|kind| Activity {
                id: format!("activity:{}", r.id),
                kind,
                at,
                talk_time_s: 0,
                member: r
                    .user_id
                    .and_then(|u| u.as_i64())
                    .and_then(|u| users.get(&u).cloned()),
            });
            return (Some(r.id.to_string()), Ok(found));
        }
    }
    match serde_json::from_str::<Value>(text) {
        Ok(v) => (
            v.get("id").map(|i| i.to_string()),
            activity(&v, types, users),
        ),
        Err(e) => (None, Err(format!("not JSON: {e}"))),
    }
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

/// A Copper opportunity → the deal as it stands now, for its assignee.
pub fn opportunity(v: &Value, users: &HashMap<i64, String>) -> Result<Opportunity, String> {
    let int_id = |key: &str| {
        v.get(key)
            .and_then(Value::as_i64)
            .map(|n| n.to_string())
            .ok_or_else(|| format!("{key} is missing"))
    };
    let status = v
        .get("status")
        .and_then(Value::as_str)
        .ok_or("status is missing")?;
    let value = match v.get("monetary_value") {
        None | Some(Value::Null) => None,
        Some(n) => Some(crate::connectors::json::decimal(n, "monetary_value")?.normalize()),
    };
    Ok(Opportunity {
        id: id(v)?.to_string(),
        name: v
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        member: member(users, v, "assignee_id"),
        pipeline_id: int_id("pipeline_id")?,
        stage_id: int_id("pipeline_stage_id")?,
        status: DealStatus::parse(status).ok_or_else(|| format!("status '{status}' is unknown"))?,
        value,
        currency: v
            .get("monetary_unit")
            .and_then(Value::as_str)
            .map(String::from),
        stage_changed_at: match v.get("date_stage_changed") {
            None | Some(Value::Null) => None,
            Some(_) => Some(time(v, "date_stage_changed")?),
        },
        created_at: time(v, "date_created")?,
        modified_at: time(v, "date_modified")?,
    })
}

/// `GET /pipelines` → every stage of every pipeline, in the pipeline's
/// order. A pipeline or stage without an id is left out.
pub fn pipelines(v: &Value) -> Vec<PipelineStage> {
    let mut out = Vec::new();
    for p in v.as_array().into_iter().flatten() {
        let Some(pipeline_id) = p.get("id").and_then(Value::as_i64) else {
            continue;
        };
        let pipeline = p.get("name").and_then(Value::as_str).unwrap_or("");
        let stages = p.get("stages").and_then(Value::as_array);
        for (position, s) in stages.into_iter().flatten().enumerate() {
            let Some(stage_id) = s.get("id").and_then(Value::as_i64) else {
                continue;
            };
            out.push(PipelineStage {
                pipeline_id: pipeline_id.to_string(),
                pipeline: pipeline.to_string(),
                stage_id: stage_id.to_string(),
                stage: s
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                position: position as u32,
                win_probability: s.get("win_probability").and_then(Value::as_i64),
            });
        }
    }
    out
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

    #[test]
    fn opportunities_keep_stage_status_and_value() {
        let users = HashMap::from([(7, "ana@acme.example".to_string())]);
        let o = opportunity(
            &json!({"id": 11, "name": "Big deal", "assignee_id": 7, "pipeline_id": 1,
                    "pipeline_stage_id": 12, "status": "Open", "monetary_value": 1500.5,
                    "monetary_unit": null, "date_stage_changed": 1_767_225_600,
                    "date_created": 1_767_000_000, "date_modified": 1_767_225_600}),
            &users,
        )
        .unwrap();
        assert_eq!(o.status, DealStatus::Open);
        assert_eq!(o.value, Some(rust_decimal::Decimal::new(15005, 1)));
        assert_eq!((o.pipeline_id.as_str(), o.stage_id.as_str()), ("1", "12"));
        assert_eq!(o.member.as_deref(), Some("ana@acme.example"));
        let odd = json!({"id": 12, "pipeline_id": 1, "pipeline_stage_id": 12, "status": "Maybe",
                         "date_created": 1, "date_modified": 1});
        assert_eq!(
            opportunity(&odd, &users).unwrap_err(),
            "status 'Maybe' is unknown"
        );
        let stages = pipelines(&json!([
            {"id": 1, "name": "Sales", "stages": [
                {"id": 12, "name": "Qualified", "win_probability": 10},
                {"id": 13, "name": "Proposal", "win_probability": 50}
            ]}
        ]));
        assert_eq!(stages.len(), 2);
        assert_eq!(
            (stages[1].stage.as_str(), stages[1].position),
            ("Proposal", 1)
        );
    }

    #[test]
    fn the_typed_reader_answers_as_the_full_one() {
        let types = ActivityTypes::parse(&json!({"user": [
            {"id": 6, "name": "Email"}, {"id": 9, "name": "Phone Call"}
        ]}));
        let users = HashMap::from([(7, "ana@acme.example".to_string())]);
        let rows = [
            json!({"id": 1, "type": {"id": 6, "category": "user"}, "user_id": 7, "activity_date": 1_767_225_599, "details": "hi\n\"there\""}),
            json!({"id": 2, "type": {"id": 9}, "user_id": null, "activity_date": 5}),
            json!({"id": 3, "type": {"id": 0}, "user_id": 7}),
            json!({"id": 4, "type": {"id": 6}, "user_id": "7", "activity_date": 5}),
            json!({"id": "x", "type": {"id": 6}, "activity_date": 5}),
            json!({"id": 5, "type": {"id": 6}, "activity_date": 1e3}),
            json!({"id": 6, "type": {"id": 6}, "activity_date": i64::MAX}),
            json!({"id": 7, "activity_date": 5}),
            json!({"id": 8, "type": {"id": 6}, "user_id": 7.0, "activity_date": 5}),
        ];
        for row in rows {
            let (id, typed) = activity_text(&row.to_string(), &types, &users);
            assert_eq!(typed, activity(&row, &types, &users), "{row}");
            assert_eq!(id, row.get("id").map(|i| i.to_string()), "{row}");
        }
    }
}
