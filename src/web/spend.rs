//! The page's spend tables: by app, model and project, a row each, with a bar and the
//! figure for today, the last 7 days and the month. Each period's bars are scaled to its
//! largest row, so a column compares the rows. Beyond ten rows, the nine costliest of the
//! month are shown and the rest are summed in one.

use crate::format::usd;
use crate::snapshot::{Account, Periods};
use maud::{Markup, html};
use std::collections::BTreeMap;

/// Rows shown in a table before the rest are summed.
const ROWS: usize = 10;

/// Today, 7 days, the month.
type Spend = [f64; 3];

/// The spend section of one account; nothing when no app has spent.
pub(super) fn render(a: &Account) -> Markup {
    if a.apps.is_empty() {
        return html! {};
    }
    let figures = |p: &Periods| [p.today, p.last_7d, p.this_month];
    let mut by_model: BTreeMap<&str, Spend> = BTreeMap::new();
    let mut by_project: BTreeMap<&str, Spend> = BTreeMap::new();
    let mut by_app: BTreeMap<&str, Spend> = BTreeMap::new();
    for (name, app) in &a.apps {
        by_app.insert(name, figures(&app.spend_usd));
        for (m, p) in &app.by_model {
            add(by_model.entry(m).or_default(), figures(p));
        }
        for (project, p) in &app.by_project {
            add(by_project.entry(project).or_default(), figures(p));
        }
    }
    html! {
        h3 { "Spend" }
        (table("By app", by_app))
        (table("By model", by_model))
        (table("By project", by_project))
    }
}

fn add(to: &mut Spend, more: Spend) {
    for (t, m) in to.iter_mut().zip(more) {
        *t += m;
    }
}

/// One table, costliest first over the month.
fn table(title: &str, rows: BTreeMap<&str, Spend>) -> Markup {
    let mut rows: Vec<(String, Spend)> =
        rows.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    rows.sort_by(|a, b| b.1[2].total_cmp(&a.1[2]).then(a.0.cmp(&b.0)));
    if rows.len() > ROWS {
        let more = rows.len() - (ROWS - 1);
        let mut rest = [0.0; 3];
        for (_, spend) in rows.drain(ROWS - 1..) {
            add(&mut rest, spend);
        }
        rows.push((format!("{more} more"), rest));
    }
    let top: Vec<f64> = (0..3)
        .map(|i| rows.iter().map(|r| r.1[i]).fold(0.0, f64::max).max(1e-9))
        .collect();
    html! {
        table.spend {
            caption { (title) }
            thead { tr { th {} th { "Today" } th { "7 days" } th { "Month" } } }
            tbody {
                @for (name, spend) in &rows {
                    tr {
                        th title=(name) { (name) }
                        @for (i, v) in spend.iter().enumerate() {
                            @let width = (v / top[i] * 100.0).clamp(0.0, 100.0);
                            td {
                                span.bar {
                                    span class="fill neutral" style={ "width:" (super::svg::Tenth(width)) "%" } {}
                                }
                                " " (usd(*v))
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::Snapshot;

    fn busy() -> Snapshot {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/snapshots/busy.json"
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn each_period_has_its_bar_and_figure_scaled_to_its_largest_row() {
        let s = busy();
        let out = render(&s.accounts["default"]).into_string();
        let app_row = |name: &str| {
            let start = out.find(&format!("<tr><th title=\"{name}\">")).unwrap();
            out[start..start + out[start..].find("</tr>").unwrap()].to_string()
        };
        let code = app_row("claude-code");
        // The costliest app fills each column; cursor's month is 40 of 210.
        assert_eq!(code.matches("width:100.0%").count(), 3, "{code}");
        assert!(code.contains("$18.30") && code.contains("$70.00") && code.contains("$210.00"));
        let cursor = app_row("cursor");
        assert!(
            cursor.contains("width:19.0%") && cursor.contains("$40.00"),
            "{cursor}"
        );
        assert!(out.contains("<th>Today</th><th>7 days</th><th>Month</th>"));
    }

    #[test]
    fn beyond_ten_rows_the_rest_are_summed_in_one() {
        let mut s = busy();
        let app = s
            .accounts
            .get_mut("default")
            .unwrap()
            .apps
            .get_mut("cursor")
            .unwrap();
        for i in 0..14 {
            let spend = Periods {
                this_month: 1.0,
                ..Periods::default()
            };
            app.by_project.insert(format!("/src/p{i:02}"), spend);
        }
        let out = render(&s.accounts["default"]).into_string();
        let projects = &out[out.find("By project").unwrap()..];
        assert_eq!(projects.matches("<tr><th title=").count(), ROWS);
        assert!(
            projects.contains("<th title=\"6 more\">"),
            "15 projects: 9 shown, 6 summed"
        );
        assert!(projects.contains("$6.00</td></tr></tbody>"), "the 6 summed");
    }
}
