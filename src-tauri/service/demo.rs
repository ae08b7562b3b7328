//! The built-in demo business as a workspace: an Indian shop's settings, a
//! rent expense, the demo connection, and three goals sized to its pace.

use super::{Core, Result, DEMO_WORKSPACE};
use crate::domain::Workspace;
use crate::domain::{ConnectionInput, ExpenseInput, Provider, WorkspaceId, WorkspaceInput};
use crate::store::StoreError;

impl Core {
    /// The Demo workspace with the built-in demo business, made once: zone,
    /// currency and cost settings of an Indian shop, a rent expense and the
    /// demo connection. It becomes the active workspace. Returns it and
    /// whether it was just made.
    pub fn ensure_demo(&mut self) -> Result<(Workspace, bool)> {
        let (ws, created) = match self.store.workspace_by_name(DEMO_WORKSPACE) {
            Ok(ws) => (ws, false),
            Err(StoreError::WorkspaceNotFound(_)) => {
                let ws = self.add_workspace(&WorkspaceInput {
                    name: DEMO_WORKSPACE.into(),
                    timezone: Some("Asia/Kolkata".into()),
                    currency: Some("INR".into()),
                    default_cogs_percent: Some("35".into()),
                    payment_fee_percent: Some("2".into()),
                    payment_fee_fixed: Some("3".into()),
                })?;
                let start = (chrono::Utc::now().date_naive() - chrono::Days::new(120))
                    .format("%Y-%m")
                    .to_string();
                self.add_expense(
                    ws.id,
                    &ExpenseInput {
                        name: "Warehouse rent".into(),
                        monthly_amount: "45000".into(),
                        start_month: start,
                        end_month: None,
                    },
                )?;
                self.add_demo_goals(ws.id)?;
                (ws, true)
            }
            Err(e) => return Err(e.into()),
        };
        self.set_active_workspace(ws.id)?;
        if !self
            .connections(Some(ws.id))?
            .iter()
            .any(|c| c.provider == Provider::Demo)
        {
            self.connect(ws.id, Provider::Demo, &ConnectionInput::default())?;
        }
        Ok((self.store.workspace(ws.id)?, created))
    }

    /// The demo's goals, so its Goals page is full on first launch: the
    /// shop's orders for the month, the team's calls for the week, one rep's
    /// e-mails for the week (sized to the demo's own pace).
    fn add_demo_goals(&mut self, ws: WorkspaceId) -> Result<()> {
        use crate::domain::goals::Period;
        let always = chrono::NaiveDate::from_ymd_opt(1, 1, 1).expect("a date");
        let asha = format!("asha@{}", crate::connectors::demo::DEMO_TEAM_DOMAIN);
        for (metric, member, period, target) in [
            ("orders", None, Period::Monthly, 1700),
            ("calls", None, Period::Weekly, 340),
            ("emails", Some(asha.as_str()), Period::Weekly, 130),
        ] {
            self.store
                .insert_goal(ws, metric, member, period, always, target.into())?;
        }
        Ok(())
    }
}
