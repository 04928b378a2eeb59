//! The operation log of the user's subscriptions, newest first, with filters (GET query
//! parameters, so a filtered view can be bookmarked): subscription, time range (UTC),
//! status, certificate thumbprint; 50 per page.

use super::access::subscriptions_of;
use super::form::pairs;
use super::html;
use super::session::SignedIn;
use super::{Portal, PortalError};
use crate::domain::{Ctx, operations};
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use azmc_db::{Operation, OperationSearch, OperationStatus, Role, Subscription};
use azmc_pki::Thumbprint;
use maud::{Markup, html};
use std::collections::HashMap;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

const PAGE: u32 = 50;

/// `YYYY-MM-DD HH:MM[:SS]` (the portal's format; a `T` for the space as
/// `datetime-local` inputs send it; taken as UTC), a full RFC 3339 time, or `YYYY-MM-DD`
/// (midnight UTC).
fn parse_time(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim().trim_end_matches(" UTC");
    let spaced = s.replacen(' ', "T", 1);
    let s = spaced.as_str();
    if let Ok(t) = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Some(t);
    }
    let long = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let short = format_description!("[year]-[month]-[day]T[hour]:[minute]");
    if let Ok(p) = PrimitiveDateTime::parse(s, long).or_else(|_| PrimitiveDateTime::parse(s, short))
    {
        return Some(p.assume_utc());
    }
    Date::parse(s, format_description!("[year]-[month]-[day]"))
        .ok()
        .map(|d| d.midnight().assume_utc())
}

/// `From`/`To`: none when blank, else a time as [`parse_time`] reads it; `what` names the
/// field in the error.
fn time_filter(v: &str, what: &str) -> Result<Option<OffsetDateTime>, String> {
    if v.trim().is_empty() {
        return Ok(None);
    }
    parse_time(v)
        .map(Some)
        .ok_or_else(|| format!("{what}: give a time as YYYY-MM-DD HH:MM (UTC) or YYYY-MM-DD."))
}

/// The time presets: a range ending now.
const PRESETS: [(&str, &str, i64); 3] = [
    ("1h", "Last hour", 1),
    ("24h", "Last 24 hours", 24),
    ("7d", "Last 7 days", 24 * 7),
];

/// A filter field's error: which field and what is wrong.
#[derive(Debug, Default)]
struct FieldErrors {
    from: Option<String>,
    to: Option<String>,
    status: Option<String>,
    thumbprint: Option<String>,
}

impl FieldErrors {
    fn any(&self) -> bool {
        self.from.is_some()
            || self.to.is_some()
            || self.status.is_some()
            || self.thumbprint.is_some()
    }
}

#[derive(Debug, Default)]
struct Filters {
    subscription: String,
    from: String,
    to: String,
    status: String,
    thumbprint: String,
    /// A preset range (`1h`, `24h`, `7d`), used when From is blank.
    range: String,
    page: u32,
}

impl Filters {
    fn from_uri(uri: &Uri) -> Filters {
        let mut f = Filters::default();
        for (k, v) in pairs(uri.query().unwrap_or_default().as_bytes()) {
            match k.as_str() {
                "subscription" => f.subscription = v,
                "from" => f.from = v,
                "to" => f.to = v,
                "status" => f.status = v,
                "thumbprint" => f.thumbprint = v,
                "range" => f.range = v,
                "page" => f.page = v.parse().unwrap_or(0),
                _ => {}
            }
        }
        f
    }

    fn query(&self, page: u32) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("subscription", &self.subscription),
            ("from", &self.from),
            ("to", &self.to),
            ("status", &self.status),
            ("thumbprint", &self.thumbprint),
            ("range", &self.range),
        ] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        if page > 0 {
            s.append_pair("page", &page.to_string());
        }
        s.finish()
    }

    /// The search these filters ask for, within the user's subscriptions `mine`, at
    /// `now`: one page plus one row (to tell whether there is an older page). A
    /// subscription not among `mine` is [`PortalError::NotFound`]; wrong values in the
    /// other fields come back as their errors, all at once.
    fn search(
        &self,
        mine: &[(Subscription, Role)],
        now: OffsetDateTime,
    ) -> Result<Result<OperationSearch, FieldErrors>, PortalError> {
        let subscriptions = self.subscription_ids(mine)?;
        let mut errors = FieldErrors::default();
        let mut start = time_filter(&self.from, "From")
            .map_err(|e| errors.from = Some(e))
            .unwrap_or(None);
        let end = time_filter(&self.to, "To")
            .map_err(|e| errors.to = Some(e))
            .unwrap_or(None);
        if start.is_none() && self.from.trim().is_empty() {
            start = PRESETS
                .iter()
                .find(|(k, _, _)| *k == self.range)
                .map(|(_, _, hours)| now - time::Duration::hours(*hours));
        }
        if let (Some(s), Some(e)) = (start, end)
            && s > e
            && errors.to.is_none()
        {
            errors.to = Some("To: give a time after From.".into());
        }
        let status = self
            .status_filter()
            .map_err(|e| errors.status = Some(e))
            .unwrap_or(None);
        let thumbprint = self
            .thumbprint_filter()
            .map_err(|e| errors.thumbprint = Some(e))
            .unwrap_or(None);
        if errors.any() {
            return Ok(Err(errors));
        }
        Ok(Ok(OperationSearch {
            subscriptions,
            start,
            end,
            status,
            thumbprint,
            offset: self.page.saturating_mul(PAGE),
            limit: PAGE + 1,
        }))
    }

    /// All of `mine`, or the chosen one (its id as stored).
    fn subscription_ids(&self, mine: &[(Subscription, Role)]) -> Result<Vec<String>, PortalError> {
        if self.subscription.is_empty() {
            return Ok(mine.iter().map(|(s, _)| s.id.clone()).collect());
        }
        let s = mine
            .iter()
            .find(|(s, _)| s.id.eq_ignore_ascii_case(self.subscription.trim()))
            .ok_or(PortalError::NotFound)?;
        Ok(vec![s.0.id.clone()])
    }

    /// The status chosen, if any.
    fn status_filter(&self) -> Result<Option<OperationStatus>, String> {
        match self.status.as_str() {
            "" => Ok(None),
            s => s
                .parse::<OperationStatus>()
                .map(Some)
                .map_err(|_| "Status: choose InProgress, Succeeded or Failed.".to_string()),
        }
    }

    /// The thumbprint given, if any.
    fn thumbprint_filter(&self) -> Result<Option<Thumbprint>, String> {
        let t: String = self
            .thumbprint
            .chars()
            .filter(|c| !c.is_whitespace() && *c != ':')
            .collect();
        match t.as_str() {
            "" => Ok(None),
            t => t
                .parse::<Thumbprint>()
                .map(Some)
                .map_err(|_| "Certificate thumbprint: give 40 hexadecimal digits.".to_string()),
        }
    }
}

/// `GET /operations`: one page of the log, filtered as the query parameters say; wrong
/// filters come back on the form, at their fields (400).
pub async fn page(
    State(portal): State<Portal>,
    user: SignedIn,
    uri: Uri,
) -> Result<Response, PortalError> {
    let f = Filters::from_uri(&uri);
    let mine = subscriptions_of(&portal, &user).await?;
    let now = portal.app.clock.now();
    let (status, body) = match f.search(&mine, now)? {
        Err(errors) => (
            StatusCode::BAD_REQUEST,
            html! {
                h1 { "Operation log" }
                p class="error" role="alert" { "Some filters are not valid: see the messages at the fields." }
                (filter_form(&f, &mine, &errors))
            },
        ),
        Ok(search) => {
            let ctx = Ctx::of(&portal.app);
            let mut ops = operations::search(&ctx, &search).await?;
            let total = portal
                .app
                .db
                .count_operations(&search)
                .await
                .map_err(PortalError::db)?;
            let more = ops.len() > PAGE as usize;
            ops.truncate(PAGE as usize);
            let names = certificate_names(&portal, &mine).await?;
            let first = u64::from(search.offset) + 1;
            (
                StatusCode::OK,
                html! {
                    h1 { "Operation log" }
                    (filter_form(&f, &mine, &FieldErrors::default()))
                    p class="count" role="status" {
                        @if total == 0 {
                            "No operation matches."
                        } @else {
                            (total) (if total == 1 { " operation matches" } else { " operations match" })
                            @if total > u64::from(PAGE) || f.page > 0 {
                                "; showing " (first) "–" (first + ops.len() as u64 - 1)
                            }
                            ". Times are UTC."
                        }
                    }
                    (operations_table(&ops, &mine, &names))
                    (pages(&f, more))
                },
            )
        }
    };
    Ok((
        status,
        html::page("Operation log", Some(&user), html::Nav::Operations, body),
    )
        .into_response())
}

/// The names (subjects) of the certificates linked to the user's subscriptions.
async fn certificate_names(
    portal: &Portal,
    mine: &[(Subscription, Role)],
) -> Result<HashMap<Thumbprint, String>, PortalError> {
    let ctx = Ctx::of(&portal.app);
    let mut names = HashMap::new();
    for (s, _) in mine {
        for c in crate::domain::certificates::list(&ctx, &s.id).await? {
            names.insert(c.certificate.thumbprint, c.certificate.subject);
        }
    }
    Ok(names)
}

/// A text field of the filter bar, with its error.
fn text_field(
    id: &str,
    name: &str,
    label: &str,
    kind: &str,
    value: &str,
    error: Option<&String>,
) -> Markup {
    let err_id = format!("{id}-error");
    html! {
        div class="field" {
            label for=(id) { (label) }
            @if let Some(e) = error { p id=(err_id) class="field-error" { (e) } }
            input type=(kind) id=(id) name=(name) value=(value)
                aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| err_id.as_str())];
        }
    }
}

/// The filter bar: a GET form showing the current filters, and the time presets.
fn filter_form(f: &Filters, mine: &[(Subscription, Role)], errors: &FieldErrors) -> Markup {
    let preset = |key: &str| Filters {
        subscription: f.subscription.clone(),
        status: f.status.clone(),
        thumbprint: f.thumbprint.clone(),
        range: key.to_string(),
        ..Filters::default()
    };
    let custom = !f.from.trim().is_empty() || !f.to.trim().is_empty();
    html! {
        nav class="presets" aria-label="Time range" {
            @for (key, label, _) in PRESETS {
                @if f.range == key && !custom {
                    a class="button" href={ "/operations?" (preset(key).query(0)) } aria-current="true" { (label) }
                } @else {
                    a class="button secondary" href={ "/operations?" (preset(key).query(0)) } { (label) }
                }
            }
            @if f.range.is_empty() && !custom {
                a class="button" href={ "/operations?" (preset("").query(0)) } aria-current="true" { "All time" }
            } @else {
                a class="button secondary" href={ "/operations?" (preset("").query(0)) } { "All time" }
            }
        }
        form method="get" action="/operations" class="filters" {
            input type="hidden" name="range" value=(f.range);
            div class="field" {
                label for="f-sub" { "Subscription" }
                select id="f-sub" name="subscription" {
                    option value="" selected[f.subscription.is_empty()] { "All my subscriptions" }
                    @for (s, _) in mine {
                        option value=(s.id) selected[s.id.eq_ignore_ascii_case(&f.subscription)] { (super::subscriptions::option_name(s)) }
                    }
                }
            }
            (text_field("f-from", "from", "From (UTC, YYYY-MM-DD HH:MM)", "text", &f.from, errors.from.as_ref()))
            (text_field("f-to", "to", "To (UTC, YYYY-MM-DD HH:MM)", "text", &f.to, errors.to.as_ref()))
            div class="field" {
                label for="f-status" { "Status" }
                @if let Some(e) = &errors.status { p id="f-status-error" class="field-error" { (e) } }
                select id="f-status" name="status" aria-invalid=[errors.status.as_ref().map(|_| "true")]
                    aria-describedby=[errors.status.as_ref().map(|_| "f-status-error")] {
                    option value="" selected[f.status.is_empty()] { "Any" }
                    @for s in ["InProgress", "Succeeded", "Failed"] {
                        option value=(s) selected[f.status == s] { (s) }
                    }
                }
            }
            (text_field("f-thumb", "thumbprint", "Certificate thumbprint", "text", &f.thumbprint, errors.thumbprint.as_ref()))
            div class="actions" {
                button type="submit" { "Filter" }
                a class="button secondary" href="/operations" { "Clear" }
            }
        }
    }
}

/// The subscription's name if it is one of `mine`, else its id.
fn subscription_name(mine: &[(Subscription, Role)], id: &str) -> String {
    mine.iter()
        .find(|(s, _)| s.id == id)
        .map(|(s, _)| s.name.clone())
        .unwrap_or_else(|| id.to_string())
}

/// The page's operations as a table; failures stand out.
fn operations_table(
    ops: &[Operation],
    mine: &[(Subscription, Role)],
    names: &HashMap<Thumbprint, String>,
) -> Markup {
    html! {
        @if !ops.is_empty() {
            div class="table-box" { table class="stack" {
                caption { "Operations, newest first" }
                thead { tr {
                    th scope="col" { "Started" }
                    th scope="col" { "Subscription" }
                    th scope="col" { "Operation" }
                    th scope="col" { "Object" }
                    th scope="col" { "Status" }
                    th scope="col" { "Caller" }
                    th scope="col" { "Error" }
                } }
                tbody { @for o in ops {
                    @let failed = o.status == OperationStatus::Failed;
                    tr class=[failed.then_some("failed")] {
                    td data-label="Started" { (html::time(o.started_at)) }
                    td data-label="Subscription" { (subscription_name(mine, &o.subscription_id)) }
                    th scope="row" data-label="Operation" { (o.name) }
                    td data-label="Object" class="mono" { (o.object_id) }
                    td data-label="Status" {
                        @if failed { strong class="badge disabled" { "Failed" } } @else { (o.status) }
                        @if let Some(h) = o.http_status { " (" (h) ")" }
                    }
                    td data-label="Caller" {
                        @if let Some(u) = &o.caller.user { "User " (u) br; }
                        @if let Some(t) = &o.caller.thumbprint {
                            "Certificate "
                            @match names.get(t) {
                                Some(n) => { strong { (n) } " " }
                                None => { em { "(no longer linked)" } " " }
                            }
                            (html::thumbprint(&t.to_string())) br;
                        }
                        @if let Some(ip) = &o.caller.client_ip { "from " (ip) }
                    }
                    td data-label="Error" { @if let Some(c) = &o.error_code { (c) ": " (o.error_message.as_deref().unwrap_or("")) } }
                } } }
            } }
        }
    }
}

/// Links to the newer and the older page, where there is one.
fn pages(f: &Filters, more: bool) -> Markup {
    html! {
        nav aria-label="Pages" {
            @if f.page > 0 { a href={ "/operations?" (f.query(f.page - 1)) } { "Newer" } " " }
            @if more { a href={ "/operations?" (f.query(f.page + 1)) } { "Older" } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_time;
    use time::macros::datetime;

    #[test]
    fn times() {
        assert_eq!(
            parse_time("2030-01-02T03:04"),
            Some(datetime!(2030-01-02 03:04 UTC))
        );
        assert_eq!(
            parse_time("2030-01-02T03:04:05"),
            Some(datetime!(2030-01-02 03:04:05 UTC))
        );
        assert_eq!(
            parse_time("2030-01-02"),
            Some(datetime!(2030-01-02 00:00 UTC))
        );
        assert_eq!(
            parse_time("2030-01-02T03:04:05+01:00"),
            Some(datetime!(2030-01-02 02:04:05 UTC))
        );
        assert_eq!(
            parse_time("2030-01-02 03:04"),
            Some(datetime!(2030-01-02 03:04 UTC)),
            "the format the portal shows"
        );
        assert_eq!(
            parse_time(" 2030-01-02 03:04 UTC "),
            Some(datetime!(2030-01-02 03:04 UTC))
        );
        assert_eq!(parse_time("yesterday"), None);
    }
}
