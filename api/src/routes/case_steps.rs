//! The workflow's steps, one endpoint each: `POST /api/v1/cases/{id}/<step>`.
//! Refusals come in order: 401, 404 (not visible), 403 (never this caller),
//! 412 (stale `If-Match`), 409 (not in this state), 422 (the body).

use actix_web::{http::StatusCode, post, web, HttpRequest, HttpResponse};
use gridline_domain::{
    cases::{may_attach_as, AttachStage, Case, Category, Command, Decided, Step},
    identity::Principal,
    validation,
};
use gridline_openapi::{
    cases::{
        AttachMedia, CaseView, CommentBody, Dispatch, ExtensionDecision, ExtensionRequestBody, MediaRef, PhoneFeedback,
        Reason, Rejection, Resolution, Suspension, Urging, Verification,
    },
    Problem,
};
use uuid::Uuid;

use crate::{
    auth::Auth,
    case_service::{category_of, commit, precheck, route, visible_case},
    error::ApiError,
    evidence::{evidence, Attaching},
    extract::{canonical_digest, path_uuid, ValidJson},
    idempotency::{self, Begin},
    references,
    state::AppState,
};

fn text(value: &str, pointer: &str) -> Result<String, ApiError> {
    validation::text(value, 2000).map_err(|e| ApiError::field(pointer, e))
}

/// A step's command and the files its body names.
struct Stepping {
    command: Command,
    media: Option<Wanted>,
}

/// Files a body names under `/media`, to attach as evidence of `stage`.
struct Wanted {
    stage: AttachStage,
    refs: Vec<MediaRef>,
    internal: bool,
}

impl From<Command> for Stepping {
    fn from(command: Command) -> Self {
        Self { command, media: None }
    }
}

impl Stepping {
    fn with(command: Command, stage: AttachStage, refs: Vec<MediaRef>, internal: bool) -> Self {
        Self { command, media: Some(Wanted { stage, refs, internal }) }
    }
}

/// The files a step attaches, each checked; a category that requires an
/// "after" photo gets none without one.
async fn attaching(
    state: &AppState,
    p: &Principal,
    case: &Case,
    category: &Category,
    stepping: &mut Stepping,
) -> Result<Option<Attaching>, ApiError> {
    let wanted = stepping.media.take().filter(|w| !w.refs.is_empty());
    if matches!(stepping.command, Command::Resolve { .. }) && category.requires_resolution_photo && wanted.is_none() {
        return Err(ApiError::field("/media", "this category's resolution needs an \"after\" photo"));
    }
    let Some(w) = wanted else { return Ok(None) };
    if matches!(stepping.command, Command::Attach) && !may_attach_as(p, case, w.stage) {
        let whose = match w.stage {
            AttachStage::Report => "the reporter's",
            AttachStage::Resolution => "whoever may resolve the case's",
            _ => "whoever may verify the case's",
        };
        return Err(ApiError::field("/stage", format!("{} files are {whose}", w.stage.as_str())));
    }
    let files = evidence(state, p, &w.refs, "/media").await?;
    Ok(Some(Attaching { stage: w.stage, files, internal: w.internal }))
}

/// Runs one step: load, check in order, build the command, apply, write.
async fn run<F, Fut, T>(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    digest: Vec<u8>,
    step: Step,
    command: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(gridline_domain::cases::Case) -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
    T: Into<Stepping>,
{
    let p = &auth.0;
    let guard = match idempotency::begin(&state, &req, p, &digest).await? {
        Begin::Replay(answer) => {
            // Whoever may no longer see the case learns nothing from a replay.
            visible_case(&state, p, path_uuid(&req, "id")?).await?;
            return Ok(idempotency::replay(&answer));
        }
        Begin::Proceed(guard) => guard,
    };
    let result = async {
        let id = path_uuid(&req, "id")?;
        let case = visible_case(&state, p, id).await?;
        precheck(&req, p, &case, step)?;
        let mut stepping: Stepping = command(case.clone()).await?.into();
        let category = category_of(&state, &case.category_code).await?;
        let attaching = attaching(&state, p, &case, &category, &mut stepping).await?;
        let command = stepping.command;
        // Only acceptance consults routing (a suggestion, or auto-dispatch).
        let route = if step == Step::Accept { route(&state, &category, &case.grid_path).await? } else { None };
        let status = if matches!(step, Step::RequestExtension | Step::Comment | Step::Feedback) {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        commit(&state, p, &case, command, &category, route, status, guard.as_ref(), attaching).await
    }
    .await;
    if let Err(e) = &result {
        idempotency::settle_error(&state, guard.as_ref(), e).await;
    }
    result
}

/// Wraps a step handler in its OpenAPI operation: every step answers alike.
macro_rules! step {
    (@with $id:literal $status:literal $what:literal [$($extra:tt)*] $item:item) => {
        #[utoipa::path(
            operation_id = $id,
            tag = "cases",
            security(("bearer" = []), ("api_key" = [])),
            params(("id" = Uuid, Path, description = "The case's id")),
            $($extra)*
            responses(
                (status = $status, description = $what, body = CaseView),
                (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
                (status = 403, description = "The caller may never take this step on this case", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such case visible to the caller", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "Not possible in the case's state; the body names the state and the allowed actions", body = Problem, content_type = "application/problem+json"),
                (status = 412, description = "If-Match names an old version", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
            )
        )]
        $item
    };
    // Comments and extension requests create a record: 201.
    ($id:literal, created, request_body = $body:ty, $item:item) => {
        step!(@with $id 201 "Recorded; the case after the step" [request_body = $body,] $item);
    };
    ($id:literal, request_body = $body:ty, $item:item) => {
        step!(@with $id 200 "The case after the step" [request_body = $body,] $item);
    };
    ($id:literal, $item:item) => {
        step!(@with $id 200 "The case after the step" [] $item);
    };
}

step! {
    "accept_case",
    /// Accept a reported case (立案)
    ///
    /// The owning unit's dispatcher accepts a `reported` case. With the category's `auto_dispatch` the case
    /// is dispatched at once to the department the routing names, and the answer is already `dispatched`.
    #[post("/api/v1/cases/{id}/accept")]
    pub(crate) async fn accept(auth: Auth, state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
        run(auth, state, req, canonical_digest(b""), Step::Accept, |_| async { Ok(Command::Accept) }).await
    }
}

step! {
    "reject_case",
    request_body = Rejection,
    /// Reject a reported case (不予立案)
    ///
    /// The owning unit's dispatcher rejects a `reported` case with a reason, perhaps as a duplicate of
    /// another case (`duplicate_of`). The reporter sees the reason.
    #[post("/api/v1/cases/{id}/reject")]
    pub(crate) async fn reject(auth: Auth, state: web::Data<AppState>, req: HttpRequest, body: ValidJson<Rejection>) -> Result<HttpResponse, ApiError> {
        let st = state.clone();
        let p = auth.0.clone();
        run(auth, state, req, body.digest().to_vec(), Step::Reject, |_| async move {
            let body = body.parse()?;
            let reason = text(&body.reason, "/reason")?;
            let duplicate_of = match body.duplicate_of {
                Some(id) => Some(references::duplicate_of(&st, &p, id).await?),
                None => None,
            };
            Ok(Command::Reject { reason, duplicate_of })
        })
        .await
    }
}

step! {
    "escalate_case",
    request_body = Reason,
    /// Escalate a case to the level above (上报上级)
    ///
    /// The owning unit's dispatcher hands a `reported` or `accepted` case to the unit above (community →
    /// street → district), whose dispatchers then own it. At the district there is no level above: 409.
    #[post("/api/v1/cases/{id}/escalate")]
    pub(crate) async fn escalate(auth: Auth, state: web::Data<AppState>, req: HttpRequest, body: ValidJson<Reason>) -> Result<HttpResponse, ApiError> {
        let st = state.clone();
        run(auth, state, req, body.digest().to_vec(), Step::Escalate, |case| async move {
            let reason = text(&body.parse()?.reason, "/reason")?;
            let owner = st.unit(case.owner_unit_id).await?;
            let parent = match owner.and_then(|o| o.parent_id) {
                Some(id) => st.unit(id).await?.map(|u| (u.id, u.path)),
                None => None,
            };
            Ok(Command::Escalate { reason, parent })
        })
        .await
    }
}

step! {
    "dispatch_case",
    request_body = Dispatch,
    /// Dispatch a case to a department (派遣)
    ///
    /// The owning unit's dispatcher sends an `accepted` case to a lead department, with assisting departments
    /// (协同处理) and optionally a handler from the lead's staff. The handling time limit starts: the answer
    /// carries `due_at` and `warn_at`.
    #[post("/api/v1/cases/{id}/dispatch")]
    pub(crate) async fn dispatch(auth: Auth, state: web::Data<AppState>, req: HttpRequest, body: ValidJson<Dispatch>) -> Result<HttpResponse, ApiError> {
        let st = state.clone();
        run(auth, state, req, body.digest().to_vec(), Step::Dispatch, |case| async move {
            let body = body.parse()?;
            let note = body.note.as_deref().map(|n| text(n, "/note")).transpose()?;
            let to = references::dispatch_targets(
                &st,
                &case,
                body.lead_department_id,
                body.assisting_department_ids,
                body.handler_user_id,
            )
            .await?;
            Ok(Command::Dispatch { lead: to.lead, assisting: to.assisting, handler: to.handler, note })
        })
        .await
    }
}

step! {
    "return_case",
    request_body = Reason,
    /// Return a case that is not the department's business (退回)
    ///
    /// The lead department's staff send a `dispatched` case back to the owning unit's dispatcher with a
    /// reason; the case is `accepted` again and its time limit stops.
    #[post("/api/v1/cases/{id}/return")]
    pub(crate) async fn return_case(auth: Auth, state: web::Data<AppState>, req: HttpRequest, body: ValidJson<Reason>) -> Result<HttpResponse, ApiError> {
        run(auth, state, req, body.digest().to_vec(), Step::Return, |_| async move { Ok(Command::Return { reason: text(&body.parse()?.reason, "/reason")? }) }).await
    }
}

step! {
    "start_case",
    /// Start handling a case (处置)
    ///
    /// The lead department's staff or the named handler take a `dispatched` case in hand: it becomes
    /// `in_progress`.
    #[post("/api/v1/cases/{id}/start")]
    pub(crate) async fn start(auth: Auth, state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
        run(auth, state, req, canonical_digest(b""), Step::Start, |_| async { Ok(Command::Start) }).await
    }
}

step! {
    "resolve_case",
    request_body = Resolution,
    /// Report a case handled (处置完成)
    ///
    /// The lead department's staff or the named handler report what was done; the case becomes `resolved` and
    /// waits for verification.
    #[post("/api/v1/cases/{id}/resolve")]
    pub(crate) async fn resolve(auth: Auth, state: web::Data<AppState>, req: HttpRequest, body: ValidJson<Resolution>) -> Result<HttpResponse, ApiError> {
        run(auth, state, req, body.digest().to_vec(), Step::Resolve, |_| async move {
            let body = body.parse()?;
            let note = text(&body.note, "/note")?;
            Ok(Stepping::with(Command::Resolve { note }, AttachStage::Resolution, body.media, false))
        })
        .await
    }
}

step! {
    "verify_case",
    request_body = Verification,
    /// Verify a resolved case (核查)
    ///
    /// `passed: true` closes the case (结案); `passed: false` sends it back for rework (返工) with a new time
    /// limit. The reporting grid worker (or another grid worker of the case's grid) verifies; for cases not
    /// reported by a grid worker, or resolved on site, the owning unit's dispatcher. Nobody verifies his own
    /// resolution.
    #[post("/api/v1/cases/{id}/verify")]
    pub(crate) async fn verify(auth: Auth, state: web::Data<AppState>, req: HttpRequest, body: ValidJson<Verification>) -> Result<HttpResponse, ApiError> {
        run(auth, state, req, body.digest().to_vec(), Step::VerifyPassed, |_| async move {
            let body = body.parse()?;
            let note = body.note.as_deref().map(|n| text(n, "/note")).transpose()?;
            Ok(Stepping::with(Command::Verify { passed: body.passed, note }, AttachStage::Verification, body.media, false))
        })
        .await
    }
}

step! {
    "cancel_case",
    request_body = Reason,
    /// Withdraw a report (撤回)
    ///
    /// The reporter withdraws a report not yet accepted; the case becomes `cancelled`.
    #[post("/api/v1/cases/{id}/cancel")]
    pub(crate) async fn cancel(auth: Auth, state: web::Data<AppState>, req: HttpRequest, body: ValidJson<Reason>) -> Result<HttpResponse, ApiError> {
        run(auth, state, req, body.digest().to_vec(), Step::Cancel, |_| async move { Ok(Command::Cancel { reason: text(&body.parse()?.reason, "/reason")? }) }).await
    }
}

step! {
    "request_extension",
    created,
    request_body = ExtensionRequestBody,
    /// Ask for more time (延期申请)
    ///
    /// The lead department's staff or the handler ask for more hours with a reason. One request may be
    /// pending at a time. Answers 201 with the case, whose `pending_extension` shows the pending request.
    #[post("/api/v1/cases/{id}/extension-requests")]
    pub(crate) async fn request_extension(
        auth: Auth,
        state: web::Data<AppState>,
        req: HttpRequest,
        body: ValidJson<ExtensionRequestBody>,
    ) -> Result<HttpResponse, ApiError> {
        run(auth, state, req, body.digest().to_vec(), Step::RequestExtension, |_| async move {
            let body = body.parse()?;
            if !(1..=720).contains(&body.hours) {
                return Err(ApiError::field("/hours", "must be between 1 and 720"));
            }
            Ok(Command::RequestExtension { id: Uuid::now_v7(), hours: body.hours, reason: text(&body.reason, "/reason")? })
        })
        .await
    }
}

/// Grant or refuse an extension (延期审批)
///
/// The owning unit's dispatcher decides the pending extension request. If granted, `due_at` and `warn_at`
/// move by the hours asked for.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = []), ("api_key" = [])),
    params(
        ("id" = Uuid, Path, description = "The case's id"),
        ("rid" = Uuid, Path, description = "The extension request's id"),
    ),
    request_body = ExtensionDecision,
    responses(
        (status = 200, description = "The case after the decision", body = CaseView),
        (status = 401, description = "No valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the owning unit's dispatcher", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No such pending request, or not in this state", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match names an old version", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/api/v1/cases/{id}/extension-requests/{rid}/decision")]
pub(crate) async fn decide_extension(
    auth: Auth,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<ExtensionDecision>,
) -> Result<HttpResponse, ApiError> {
    let request_id = path_uuid(&req, "rid")?;
    run(auth, state, req, body.digest().to_vec(), Step::DecideExtension, |_| async move {
        let body = body.parse()?;
        let note = body.note.as_deref().map(|n| text(n, "/note")).transpose()?;
        Ok(Command::DecideExtension { decision: Decided { request_id, approved: body.approved }, note })
    })
    .await
}

step! {
    "add_comment",
    created,
    request_body = CommentBody,
    /// Comment on a case
    ///
    /// Anyone who sees the case and works cases (grid workers, dispatchers, department staff, assisting
    /// departments included) may comment until it is final. Leaders and admins read only. `internal: true`
    /// comments are never shown to integrations (API keys). Answers 201 with the case.
    #[post("/api/v1/cases/{id}/comments")]
    pub(crate) async fn comment(auth: Auth, state: web::Data<AppState>, req: HttpRequest, body: ValidJson<CommentBody>) -> Result<HttpResponse, ApiError> {
        run(auth, state, req, body.digest().to_vec(), Step::Comment, |_| async move {
            let body = body.parse()?;
            let command = Command::Comment { text: text(&body.text, "/text")?, internal: body.internal };
            Ok(Stepping::with(command, AttachStage::Comment, body.media, body.internal))
        })
        .await
    }
}

step! {
    "attach_media",
    created,
    request_body = AttachMedia,
    /// Add evidence to a case
    ///
    /// Photos, videos or voice notes uploaded first (`PUT /api/v1/media/{media_id}` or a tus upload), added to
    /// an open case by anyone who may comment on it: one `media_attached` event lists them. `stage` says what
    /// they document: `comment` by default; `report` is the reporter's, `resolution` whoever may resolve the
    /// case, `verification` whoever may verify it. A file the caller neither sent nor may see is refused on
    /// its pointer. Answers 201 with the case.
    #[post("/api/v1/cases/{id}/media")]
    pub(crate) async fn attach_media(auth: Auth, state: web::Data<AppState>, req: HttpRequest, body: ValidJson<AttachMedia>) -> Result<HttpResponse, ApiError> {
        run(auth, state, req, body.digest().to_vec(), Step::Comment, |_| async move {
            let body = body.parse()?;
            if body.media.is_empty() {
                return Err(ApiError::field("/media", "name at least one file"));
            }
            let stage = body.stage.map_or(AttachStage::Comment, Into::into);
            Ok(Stepping::with(Command::Attach, stage, body.media, body.internal))
        })
        .await
    }
}

step! {
    "suspend_case",
    request_body = Suspension,
    /// Suspend a case (挂账)
    ///
    /// The owning unit's dispatcher suspends an open case that cannot be handled now (awaiting demolition, a court
    /// ruling, the season). Its clock stands still, and starting and resolving wait (409) until it resumes: by
    /// `resume_case`, or by itself on `resume_on`. The deadline then moves by the time it stood still. 409 if it
    /// is suspended already.
    #[post("/api/v1/cases/{id}/suspend")]
    pub(crate) async fn suspend(auth: Auth, state: web::Data<AppState>, req: HttpRequest, body: ValidJson<Suspension>) -> Result<HttpResponse, ApiError> {
        run(auth, state, req, body.digest().to_vec(), Step::Suspend, |_| async move {
            let body = body.parse()?;
            let reason = text(&body.reason, "/reason")?;
            Ok(Command::Suspend { reason, until: body.resume_on })
        })
        .await
    }
}

step! {
    "resume_case",
    /// Resume a suspended case
    ///
    /// The owning unit's dispatcher ends a suspension before its date. The running clock's deadline and warning
    /// move by the time it stood still (working time for a working-time limit). 409 if it is not suspended.
    #[post("/api/v1/cases/{id}/resume")]
    pub(crate) async fn resume(auth: Auth, state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
        run(auth, state, req, canonical_digest(b""), Step::Resume, |_| async { Ok(Command::Resume) }).await
    }
}

step! {
    "urge_case",
    request_body = Urging,
    /// Urge action on a case (督办)
    ///
    /// A leader whose area holds the case, or a dispatcher of a unit above the one that owns it, presses for
    /// action on an open case. The note is on the timeline as an `urged` event; the case is otherwise unchanged.
    #[post("/api/v1/cases/{id}/urge")]
    pub(crate) async fn urge(auth: Auth, state: web::Data<AppState>, req: HttpRequest, body: ValidJson<Urging>) -> Result<HttpResponse, ApiError> {
        run(auth, state, req, body.digest().to_vec(), Step::Urge, |_| async move {
            let note = text(&body.parse()?.note, "/note")?;
            Ok(Command::Urge { note })
        })
        .await
    }
}

step! {
    "record_case_feedback",
    created,
    request_body = PhoneFeedback,
    /// Record a resident's rating taken on the phone (回访)
    ///
    /// After a case is `closed`, a dispatcher of the owning unit calls the resident and records how satisfied
    /// he is: `satisfied`, `basically_satisfied` or `dissatisfied`, with his words. A closing is rated once,
    /// here or by the resident himself with his tracking code (`POST /public/v1/cases/{tracking_code}/feedback`):
    /// 409 before the case is closed and once it is rated. The timeline gets a `rated` event
    /// (`changes.channel` = `phone`); the figures count it in `rated` and `satisfied_rate`.
    #[post("/api/v1/cases/{id}/feedback")]
    pub(crate) async fn feedback(auth: Auth, state: web::Data<AppState>, req: HttpRequest, body: ValidJson<PhoneFeedback>) -> Result<HttpResponse, ApiError> {
        run(auth, state, req, body.digest().to_vec(), Step::Feedback, |_| async move {
            let body = body.parse()?;
            let words = body.comment.as_deref().map(|c| text(c, "/comment")).transpose()?;
            Ok(Command::Feedback { rating: body.rating.into(), comment: words })
        })
        .await
    }
}

step! {
    "reopen_case",
    request_body = Reason,
    /// Send a case its resident is dissatisfied with back to work
    ///
    /// When the rating of a closing is `dissatisfied` and was given within 7 days of it, a dispatcher of the
    /// owning unit reopens the case: it is `dispatched` again to the same lead department with a new handling
    /// time limit (a case settled on site, which had none, goes back to `accepted`). The figures count it as
    /// `reopened`, not as rework; its next closing is rated afresh. 409 in any other case.
    #[post("/api/v1/cases/{id}/reopen")]
    pub(crate) async fn reopen(auth: Auth, state: web::Data<AppState>, req: HttpRequest, body: ValidJson<Reason>) -> Result<HttpResponse, ApiError> {
        run(auth, state, req, body.digest().to_vec(), Step::Reopen, |_| async move { Ok(Command::Reopen { reason: text(&body.parse()?.reason, "/reason")? }) }).await
    }
}
