//! JustCall's JSON → records: agents (the team) and calls. A call's day is
//! its `call_date` + `call_time`, the account's clock, which the product
//! takes as UTC (metrics.md); its outcome follows metrics.md's rules.

use crate::domain::records::{Activity, ActivityKind, CallOutcome, SourceUser};
use chrono::{NaiveDate, NaiveTime};
use serde_json::Value;

/// A JustCall user (agent) → one of the team, by their e-mail (lower case).
pub fn user(v: &Value) -> Result<SourceUser, String> {
    let id = match v.get("id") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => return Err("id is missing".into()),
    };
    Ok(SourceUser {
        id,
        email: crate::connectors::json::email(v, "email"),
        name: v
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
    })
}

/// How a call ended: answered (either way), missed (incoming Missed,
/// Voicemail or Abandoned), or neither; a type JustCall has not documented
/// is refused, so the call is skipped and counted rather than guessed.
pub fn outcome(direction: &str, kind: &str) -> Result<CallOutcome, String> {
    let incoming = match direction.to_ascii_lowercase().as_str() {
        "incoming" | "inbound" => true,
        "outgoing" | "outbound" => false,
        other => return Err(format!("unknown call direction '{other}'")),
    };
    match kind.to_ascii_lowercase().as_str() {
        "answered" => Ok(CallOutcome::Answered),
        "missed" | "voicemail" | "abandoned" if incoming => Ok(CallOutcome::Missed),
        "missed" | "voicemail" | "abandoned" | "unanswered" | "busy" | "failed" => {
            Ok(CallOutcome::Other)
        }
        other => Err(format!("unknown call type '{other}'")),
    }
}

/// A JustCall call → a dialer call at its start (account clock as UTC), for
/// its agent, with its talk time.
pub fn call(v: &Value) -> Result<Activity, String> {
    let id = v.get("id").and_then(Value::as_i64).ok_or("id is missing")?;
    let text = |k: &str| v.get(k).and_then(Value::as_str);
    let date: NaiveDate = text("call_date")
        .ok_or("call_date is missing")?
        .parse()
        .map_err(|_| "call_date is not a date".to_string())?;
    let time =
        NaiveTime::parse_from_str(text("call_time").ok_or("call_time is missing")?, "%H:%M:%S")
            .map_err(|_| "call_time is not HH:MM:SS".to_string())?;
    let info = v.get("call_info").ok_or("call_info is missing")?;
    let kind = outcome(
        info.get("direction")
            .and_then(Value::as_str)
            .ok_or("call_info.direction is missing")?,
        info.get("type")
            .and_then(Value::as_str)
            .ok_or("call_info.type is missing")?,
    )?;
    let talk = v
        .pointer("/call_duration/conversation_time")
        .map(|t| match t {
            Value::Number(n) => n.as_i64().ok_or("conversation_time is not whole seconds"),
            Value::String(s) => s.parse().map_err(|_| "conversation_time is not a number"),
            Value::Null => Ok(0),
            _ => Err("conversation_time is not a number"),
        })
        .transpose()?
        .unwrap_or(0);
    Ok(Activity {
        id: format!("call:{id}"),
        kind: ActivityKind::Call(kind),
        at: date.and_time(time).and_utc(),
        talk_time_s: talk,
        member: crate::connectors::json::email(v, "agent_email"),
    })
}

/// The fields of a call [`call_text`] reads, borrowed from the reply.
#[derive(serde::Deserialize)]
struct CallRow<'a> {
    id: i64,
    call_date: &'a str,
    call_time: &'a str,
    #[serde(borrow)]
    call_info: CallInfo<'a>,
    call_duration: Option<CallDuration>,
    agent_email: Option<&'a str>,
}

#[derive(serde::Deserialize)]
struct CallInfo<'a> {
    direction: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
}

#[derive(serde::Deserialize)]
struct CallDuration {
    conversation_time: Option<serde_json::Number>,
}

/// A call's JSON text → its id and [`call`]'s answer, reading only the
/// fields it needs (a team's year is hundreds of thousands of calls); a row
/// that reader refuses goes through [`call`], so its reason is the same.
pub fn call_text(text: &str) -> (Option<i64>, Result<Activity, String>) {
    let typed = serde_json::from_str::<CallRow<'_>>(text)
        .ok()
        .and_then(|r| {
            let date: NaiveDate = r.call_date.parse().ok()?;
            let time = NaiveTime::parse_from_str(r.call_time, "%H:%M:%S").ok()?;
            let kind = outcome(r.call_info.direction, r.call_info.kind).ok()?;
            let talk = match r.call_duration.and_then(|d| d.conversation_time) {
                Some(n) => n.as_i64()?,
                None => 0,
            };
            Some(Activity {
                id: format!("call:{}", r.id),
                kind: ActivityKind::Call(kind),
                at: date.and_time(time).and_utc(),
                talk_time_s: talk,
                member: r
                    .agent_email
                    .and_then(crate::connectors::json::normal_email),
            })
            .map(|a| (r.id, a))
        });
    match typed {
        Some((id, a)) => (Some(id), Ok(a)),
        None => match serde_json::from_str::<Value>(text) {
            Ok(v) => (v.get("id").and_then(Value::as_i64), call(&v)),
            Err(e) => (None, Err(format!("not JSON: {e}"))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn outcomes_follow_metrics_md() {
        use CallOutcome::*;
        let cases = [
            ("Incoming", "Answered", Answered),
            ("Outgoing", "Answered", Answered),
            ("Incoming", "Missed", Missed),
            ("Incoming", "Voicemail", Missed),
            ("Incoming", "Abandoned", Missed),
            ("Incoming", "Busy", Other),
            ("Incoming", "Failed", Other),
            ("Outgoing", "Unanswered", Other),
            ("Outgoing", "Busy", Other),
        ];
        for (direction, kind, want) in cases {
            assert_eq!(outcome(direction, kind), Ok(want), "{direction} {kind}");
        }
        assert!(outcome("Incoming", "Transferred to Mars").is_err());
        assert!(outcome("Sideways", "Answered").is_err());
    }

    #[test]
    fn a_call_starts_at_its_account_clock_taken_as_utc() {
        let c = call(&json!({
            "id": 42, "agent_email": "Ana@Acme.Example",
            "call_date": "2026-03-08", "call_time": "06:59:59",
            "call_user_date": "2026-03-07", "call_user_time": "22:59:59",
            "call_duration": {"total_duration": 200, "conversation_time": 170},
            "call_info": {"direction": "Outgoing", "type": "Answered"}
        }))
        .unwrap();
        assert_eq!(c.id, "call:42");
        assert_eq!(c.at.to_rfc3339(), "2026-03-08T06:59:59+00:00");
        assert_eq!(c.talk_time_s, 170);
        assert_eq!(c.member.as_deref(), Some("ana@acme.example"));
        assert!(call(&json!({"id": 1, "call_date": "2026-03-08"})).is_err());
    }

    #[test]
    fn the_typed_reader_answers_as_the_full_one() {
        let ok = json!({"id": 1, "call_date": "2026-11-01", "call_time": "23:59:59",
            "call_info": {"direction": "Incoming", "type": "Missed"},
            "call_duration": {"conversation_time": 0}, "agent_email": " Ana@Acme.example "});
        let mut rows = vec![ok.clone()];
        let mut edit = |f: &dyn Fn(&mut Value)| {
            let mut v = ok.clone();
            f(&mut v);
            rows.push(v);
        };
        edit(&|v| v["call_duration"]["conversation_time"] = json!("42"));
        edit(&|v| v["call_duration"]["conversation_time"] = json!(4.5));
        edit(&|v| v["call_duration"] = Value::Null);
        edit(&|v| v["call_info"]["type"] = json!("Transferred to Mars"));
        edit(&|v| v["call_time"] = json!("25:00"));
        edit(&|v| v["agent_email"] = json!(17));
        edit(&|v| v["agent_email"] = json!("ana\t@acme.example"));
        edit(&|v| v["id"] = json!("1"));
        edit(&|v| {
            v.as_object_mut().unwrap().remove("call_info");
        });
        for row in rows {
            let (id, typed) = call_text(&row.to_string());
            assert_eq!(typed, call(&row), "{row}");
            assert_eq!(id, row.get("id").and_then(Value::as_i64), "{row}");
        }
    }
}
