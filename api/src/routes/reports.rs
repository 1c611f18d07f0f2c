//! The weekly review (周研判): an area's units this week against the last, as
//! JSON, CSV or a self-contained printable page with server-drawn SVG charts,
//! and a signed link that opens the page without a bearer header.

use actix_web::{get, web, HttpResponse};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use gridline_domain::{
    org::{OrgKind, OrgUnit},
    policy,
};
use gridline_openapi::{
    reports::{ReportFormat, ReportLink, WeeklyLinkQuery, WeeklyQuery, WeeklyReport, WeeklyRow, WeeklyViewQuery},
    stats::{FiguresView, GroupBy},
    FieldError, Problem,
};
use uuid::Uuid;

use super::stats::{count_in, home_unit};
use crate::{auth::Auth, error::ApiError, extract::ValidQuery, state::AppState};

/// How long a signed link opens the page.
const LINK_MINUTES: i64 = 10;

/// The Monday of an ISO week written `2026-W48`.
fn monday(week: &str) -> Option<NaiveDate> {
    let (year, number) = week.split_once("-W")?;
    NaiveDate::from_isoywd_opt(year.parse().ok()?, number.parse().ok()?, Weekday::Mon)
}

fn week_name(day: NaiveDate) -> String {
    let w = day.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

fn bad_week() -> ApiError {
    ApiError::InvalidQuery(vec![FieldError::parameter("week", "is not an ISO week such as 2026-W48")])
}

/// The level below a unit, whose units the review compares.
fn level_below(unit: &OrgUnit) -> Option<GroupBy> {
    match unit.kind {
        OrgKind::District => Some(GroupBy::Street),
        OrgKind::Street => Some(GroupBy::Community),
        OrgKind::Community => Some(GroupBy::Grid),
        OrgKind::Grid => None,
    }
}

/// The area a caller asks for, if he may read its figures.
async fn area(
    state: &AppState,
    p: &gridline_domain::identity::Principal,
    id: Option<Uuid>,
) -> Result<OrgUnit, ApiError> {
    let id = match id {
        Some(id) => id,
        None => home_unit(state, p).await?.ok_or_else(|| ApiError::Forbidden("you read no area's figures".into()))?,
    };
    let unit = state.unit(id).await?.ok_or(ApiError::NotFound)?;
    if policy::reads_figures(p, &unit.path) {
        Ok(unit)
    } else {
        Err(ApiError::Forbidden("you may not read this area's figures".into()))
    }
}

fn the_week(state: &AppState, week: Option<&str>) -> Result<(String, NaiveDate), ApiError> {
    match week {
        Some(w) => Ok((w.to_owned(), monday(w).ok_or_else(bad_week)?)),
        None => {
            let today = state.calendar().local_date(state.now());
            let name = week_name(today);
            let start = monday(&name).ok_or_else(bad_week)?;
            Ok((name, start))
        }
    }
}

async fn review(state: &AppState, unit: &OrgUnit, week: String, start: NaiveDate) -> Result<WeeklyReport, ApiError> {
    let by = level_below(unit);
    let this = count_in(state, unit, start, start + Duration::days(6), by).await?;
    let last_start = start - Duration::days(7);
    let last = count_in(state, unit, last_start, last_start + Duration::days(6), by).await?;
    let mut rows: Vec<WeeklyRow> = this
        .groups
        .iter()
        .map(|g| WeeklyRow {
            key: g.key.clone(),
            label: g.label.clone(),
            this_week: g.figures.clone(),
            last_week: last.groups.iter().find(|l| l.key == g.key).map_or_else(empty, |l| l.figures.clone()),
        })
        .collect();
    for g in last.groups.iter().filter(|l| !this.groups.iter().any(|t| t.key == l.key)) {
        rows.push(WeeklyRow {
            key: g.key.clone(),
            label: g.label.clone(),
            this_week: empty(),
            last_week: g.figures.clone(),
        });
    }
    rows.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(WeeklyReport {
        unit_id: unit.id,
        label: unit.name.clone(),
        previous_week: week_name(last_start),
        from: start,
        to: start + Duration::days(6),
        week,
        totals: WeeklyRow { key: None, label: unit.name.clone(), this_week: this.totals, last_week: last.totals },
        rows,
    })
}

fn empty() -> FiguresView {
    FiguresView::from(&gridline_domain::stats::Figures::of(&[], Vec::new()))
}

fn answer(report: &WeeklyReport, format: ReportFormat) -> HttpResponse {
    match format {
        ReportFormat::Json => HttpResponse::Ok().json(report),
        ReportFormat::Csv => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header(("Content-Disposition", format!("attachment; filename=\"weekly-{}.csv\"", report.week)))
            .body(csv(report)),
        ReportFormat::Html => HttpResponse::Ok().content_type("text/html; charset=utf-8").body(html(report)),
    }
}

/// Get the weekly review (周研判)
///
/// The units of the level below `unit_id` (streets of a district, communities of a street, grids of a
/// community): the cases reported in `week` against the week before, with their closure, on-time and rework
/// rates. `format=csv` for a spreadsheet; `format=html` for a self-contained printable page with charts drawn
/// on the server as SVG, whose text stays text.
#[utoipa::path(
    operation_id = "get_weekly_report",
    tag = "figures",
    security(("bearer" = []), ("api_key" = [])),
    params(WeeklyQuery),
    responses(
        (status = 200, description = "The review", content(
            (WeeklyReport = "application/json"),
            (String = "text/csv"),
            (String = "text/html"),
        )),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a leader, dispatcher or admin of that area", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/reports/weekly")]
pub(crate) async fn weekly(
    auth: Auth,
    state: web::Data<AppState>,
    query: ValidQuery<WeeklyQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.parse()?;
    let unit = area(&state, &auth.0, query.unit_id).await?;
    let (week, start) = the_week(&state, query.week.as_deref())?;
    let report = review(&state, &unit, week, start).await?;
    Ok(answer(&report, query.format.unwrap_or(ReportFormat::Json)))
}

fn link_message(unit_id: Uuid, week: &str, expires: i64) -> String {
    format!("weekly|{unit_id}|{week}|{expires}")
}

/// Get a link to the weekly page
///
/// A URL, valid for 10 minutes, that opens the weekly review as a page in a browser without a bearer header:
/// for the meeting-room screen.
#[utoipa::path(
    operation_id = "get_weekly_report_link",
    tag = "figures",
    security(("bearer" = []), ("api_key" = [])),
    params(WeeklyLinkQuery),
    responses(
        (status = 200, description = "The link", body = ReportLink),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a leader, dispatcher or admin of that area", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/reports/weekly/link")]
pub(crate) async fn weekly_link(
    auth: Auth,
    state: web::Data<AppState>,
    query: ValidQuery<WeeklyLinkQuery>,
) -> Result<web::Json<ReportLink>, ApiError> {
    let query = query.parse()?;
    let unit = area(&state, &auth.0, query.unit_id).await?;
    let (week, _) = the_week(&state, query.week.as_deref())?;
    let expires_at = state.now() + Duration::minutes(LINK_MINUTES);
    let expires = expires_at.timestamp();
    let sig = state.keys.sign_link(&link_message(unit.id, &week, expires));
    let url = format!("/api/v1/reports/weekly/view?unit_id={}&week={week}&expires={expires}&sig={sig}", unit.id);
    Ok(web::Json(ReportLink { url, expires_at }))
}

/// Open the weekly page by a signed link
///
/// The page `get_weekly_report_link` signed, while the link is valid; 403 for a link altered or expired.
#[utoipa::path(
    operation_id = "view_weekly_report",
    tag = "figures",
    params(WeeklyViewQuery),
    responses(
        (status = 200, description = "The page", content_type = "text/html", body = String),
        (status = 403, description = "The link is altered or expired", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1/reports/weekly/view")]
pub(crate) async fn weekly_view(
    state: web::Data<AppState>,
    query: ValidQuery<WeeklyViewQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.parse()?;
    let signed = state.keys.verify_link(&link_message(query.unit_id, &query.week, query.expires), &query.sig);
    if !signed || query.expires < state.now().timestamp() {
        return Err(ApiError::Forbidden("the link is altered or expired; ask for a new one".into()));
    }
    let unit = state.unit(query.unit_id).await?.ok_or(ApiError::NotFound)?;
    let start = monday(&query.week).ok_or_else(bad_week)?;
    let report = review(&state, &unit, query.week, start).await?;
    Ok(answer(&report, ReportFormat::Html))
}

fn rate(r: Option<f64>) -> String {
    r.map(|r| format!("{:.1}%", r * 100.0)).unwrap_or_else(|| "—".into())
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn csv(report: &WeeklyReport) -> String {
    let mut out = String::from(
        "unit,reported_this_week,reported_last_week,closed_this_week,closed_last_week,closure_rate_this_week,\
         on_time_closure_rate_this_week,rework_rate_this_week,overdue_now\n",
    );
    for row in report.rows.iter().chain(std::iter::once(&report.totals)) {
        let (t, l) = (&row.this_week, &row.last_week);
        let r = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            csv_field(&row.label),
            t.reported,
            l.reported,
            t.closed,
            l.closed,
            r(t.closure_rate),
            r(t.on_time_closure_rate),
            r(t.rework_rate),
            t.overdue_now
        ));
    }
    out
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// A horizontal bar chart as SVG: per row, last week's bar (grey) above this
/// week's (blue). A value that does not exist (NaN: a rate with nothing to
/// count) has no bar and reads "—", never 0.
fn bars(title: &str, rows: &[(String, f64, f64)], format: impl Fn(f64) -> String) -> String {
    let (label_w, bar_w, row_h) = (220.0, 520.0, 44.0);
    let height = 40.0 + row_h * rows.len().max(1) as f64;
    let max = rows.iter().flat_map(|(_, a, b)| [*a, *b]).fold(0.0_f64, f64::max).max(1e-9);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"{w}\" height=\"{height}\" \
         viewBox=\"0 0 {w} {height}\"><title>{t}</title><text x=\"0\" y=\"20\" font-size=\"16\" \
         font-weight=\"bold\">{t}</text>",
        w = label_w + bar_w + 80.0,
        t = esc(title)
    );
    for (i, (label, this, last)) in rows.iter().enumerate() {
        let y = 36.0 + row_h * i as f64;
        let width = |v: f64| if v.is_nan() { 0.0 } else { (v / max * bar_w).max(0.0) };
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{ty}\" font-size=\"13\">{label}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{lw:.1}\" height=\"16\" fill=\"#b0b7c3\"/>\
             <text x=\"{lx:.1}\" y=\"{ly}\" font-size=\"11\">{lv}</text>\
             <rect x=\"{label_w}\" y=\"{y2}\" width=\"{tw:.1}\" height=\"16\" fill=\"#2563eb\"/>\
             <text x=\"{tx:.1}\" y=\"{ty2}\" font-size=\"11\">{tv}</text>",
            ty = y + 22.0,
            label = esc(label),
            lw = width(*last),
            lx = label_w + width(*last) + 4.0,
            ly = y + 12.0,
            lv = esc(&format(*last)),
            y2 = y + 18.0,
            tw = width(*this),
            tx = label_w + width(*this) + 4.0,
            ty2 = y + 30.0,
            tv = esc(&format(*this)),
        ));
    }
    svg.push_str("</svg>");
    svg
}

fn html(report: &WeeklyReport) -> String {
    let reported: Vec<(String, f64, f64)> = report
        .rows
        .iter()
        .map(|r| (r.label.clone(), r.this_week.reported as f64, r.last_week.reported as f64))
        .collect();
    let on_time: Vec<(String, f64, f64)> = report
        .rows
        .iter()
        .map(|r| {
            let v = |f: &FiguresView| f.on_time_closure_rate.map_or(f64::NAN, |r| r * 100.0);
            (r.label.clone(), v(&r.this_week), v(&r.last_week))
        })
        .collect();
    let mut table = String::new();
    for row in report.rows.iter().chain(std::iter::once(&report.totals)) {
        let (t, l) = (&row.this_week, &row.last_week);
        table.push_str(&format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&row.label),
            t.reported,
            l.reported,
            t.closed,
            rate(t.closure_rate),
            rate(t.on_time_closure_rate),
            rate(t.rework_rate),
            t.overdue_now
        ));
    }
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>周研判 Weekly review {week} · {unit}</title><style>\
         body{{font-family:system-ui,\"Noto Sans CJK SC\",\"Microsoft YaHei\",sans-serif;margin:2rem;color:#111}}\
         h1{{font-size:1.6rem;margin:0 0 .3rem}} .period{{color:#555;margin:0 0 1.5rem}}\
         table{{border-collapse:collapse;margin-top:1.5rem;font-size:.95rem}}\
         th,td{{border:1px solid #ccc;padding:.35rem .7rem;text-align:right}} th[scope=row]{{text-align:left}}\
         tr:last-child{{font-weight:bold}} .legend span{{display:inline-block;width:12px;height:12px;margin:0 .3rem 0 1rem}}\
         figure{{margin:1.5rem 0}} @media print{{body{{margin:1cm}} figure,table{{break-inside:avoid}}}}\
         </style></head><body>\
         <h1>周研判 Weekly review · {unit}</h1>\
         <p class=\"period\">{week}（{from} 至 {to}），对比 {prev} · this week against the last</p>\
         <p class=\"legend\"><span style=\"background:#2563eb\"></span>本周 this week\
         <span style=\"background:#b0b7c3\"></span>上周 last week</p>\
         <figure>{chart1}</figure><figure>{chart2}</figure>\
         <table><thead><tr><th>单位 Unit</th><th>本周上报 Reported</th><th>上周上报 Last week</th>\
         <th>结案 Closed</th><th>结案率 Closure</th><th>按期结案率 On time</th><th>返工率 Rework</th>\
         <th>当前超时 Overdue now</th></tr></thead><tbody>{table}</tbody></table></body></html>",
        week = esc(&report.week),
        unit = esc(&report.label),
        from = report.from,
        to = report.to,
        prev = esc(&report.previous_week),
        chart1 = bars("上报数 Cases reported", &reported, |v| format!("{v:.0}")),
        chart2 = bars("按期结案率 On-time closure rate", &on_time, |v| {
            if v.is_nan() {
                "—".to_owned()
            } else {
                format!("{v:.1}%")
            }
        }),
    )
}
