//! `together analytics …`: usage recorded on this device ("Your data"), the opt-in switch, the
//! upload of what is due, and deleting it all (`crate::usage`).

use anyhow::{Result, bail};
use serde_json::json;
use together_core::view::UsageSummary;

use super::Cx;
use super::args::AnalyticsCommand;
use crate::usage::upload::{Upload, upload_due};

/// Runs one `together analytics` command.
pub(super) fn run(cx: &mut Cx, command: &AnalyticsCommand) -> Result<()> {
    match command {
        AnalyticsCommand::On => switch(cx, true),
        AnalyticsCommand::Off => switch(cx, false),
        AnalyticsCommand::Status => status(cx),
        AnalyticsCommand::Upload => upload(cx),
        AnalyticsCommand::Delete => delete(cx),
    }
}

/// `together analytics on|off` (and its alias `together settings analytics on|off`).
pub(super) fn switch(cx: &mut Cx, enabled: bool) -> Result<()> {
    cx.store.set_analytics_opt_in(enabled, cx.now)?;
    let word = if enabled { "on" } else { "off" };
    cx.out.ok(
        json!({ "enabled": enabled, "analytics_opt_in": enabled }),
        &format!("analytics {word}"),
    )
}

fn summary_lines(s: &UsageSummary) -> String {
    let listed = |counts: &[together_core::view::NamedCount]| {
        counts
            .iter()
            .map(|c| format!("{} {}", c.name, c.count))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut lines = vec![
        format!(
            "sharing        {}",
            if s.enabled {
                "on (daily counts)"
            } else {
                "off (nothing leaves this device)"
            }
        ),
        format!("sessions       {}", s.sessions),
        format!("time in app    {} min", s.seconds_in_app / 60),
        format!("screens viewed {}", s.screens_viewed),
        format!("actions        {}", s.events),
    ];
    if !s.events_by_category.is_empty() {
        lines.push(format!("by kind        {}", listed(&s.events_by_category)));
    }
    if !s.screens.is_empty() {
        lines.push(format!("by screen      {}", listed(&s.screens)));
    }
    lines.push(format!(
        "last upload    {}",
        s.last_upload.as_deref().unwrap_or("never")
    ));
    lines.join("\n")
}

/// `together analytics status`: the last 30 days recorded here, and whether counts are shared.
fn status(cx: &mut Cx) -> Result<()> {
    let summary = cx.store.usage_summary(cx.now)?;
    cx.out.ok(json!(summary), &summary_lines(&summary))
}

/// `together analytics upload`: sends what is due now and prints it.
fn upload(cx: &mut Cx) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    match runtime.block_on(upload_due(&mut cx.store, cx.now))? {
        Upload::OptedOut => cx.out.ok(
            json!({ "enabled": false, "sent": [] }),
            "analytics is off: nothing was sent (together analytics on to share daily counts)",
        ),
        Upload::NoServer => bail!(
            "this device has no sync server to send to; sign in first (together account login)"
        ),
        Upload::Sent(sent) if cx.out.json => cx.out.value(json!({ "enabled": true, "sent": sent })),
        Upload::Sent(sent) if sent.is_empty() => cx.out.text("nothing due"),
        Upload::Sent(sent) => {
            for report in &sent {
                let features = report
                    .features
                    .iter()
                    .map(|f| {
                        format!(
                            "{} {}x {}s{}",
                            f.feature.as_str(),
                            f.interactions,
                            f.seconds,
                            if f.completed { " completed" } else { "" }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                cx.out.text(&format!("sent {}: {features}", report.day))?;
            }
            Ok(())
        }
    }
}

/// `together analytics delete`: every session, screen view and action recorded here.
fn delete(cx: &mut Cx) -> Result<()> {
    let summary = cx.store.delete_usage(cx.now)?;
    cx.out.ok(json!(summary), "deleted")
}
