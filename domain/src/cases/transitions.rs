//! The state machine: which step moves a case from which state to which.

use super::CaseStatus;

/// A step someone takes on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    Accept,
    Reject,
    Escalate,
    Dispatch,
    Return,
    Start,
    Resolve,
    /// Verification that passed (结案).
    VerifyPassed,
    /// Verification that failed (返工).
    VerifyFailed,
    Cancel,
    RequestExtension,
    DecideExtension,
    Comment,
    /// A correction of category, priority, grid, location or description.
    Correct,
    /// 挂账: stop the clock of a case that cannot be handled now.
    Suspend,
    Resume,
    /// 督办: press for action from above.
    Urge,
    /// 回访: a dispatcher records a resident's rating taken on the phone.
    Feedback,
    /// A case closed to its resident's dissatisfaction goes back to work.
    Reopen,
}

impl Step {
    pub const ALL: [Self; 19] = [
        Self::Accept,
        Self::Reject,
        Self::Escalate,
        Self::Dispatch,
        Self::Return,
        Self::Start,
        Self::Resolve,
        Self::VerifyPassed,
        Self::VerifyFailed,
        Self::Cancel,
        Self::RequestExtension,
        Self::DecideExtension,
        Self::Comment,
        Self::Correct,
        Self::Suspend,
        Self::Resume,
        Self::Urge,
        Self::Feedback,
        Self::Reopen,
    ];

    /// The name clients see in `allowed_actions`: the endpoint's last segment.
    pub fn action(self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Reject => "reject",
            Self::Escalate => "escalate",
            Self::Dispatch => "dispatch",
            Self::Return => "return",
            Self::Start => "start",
            Self::Resolve => "resolve",
            Self::VerifyPassed | Self::VerifyFailed => "verify",
            Self::Cancel => "cancel",
            Self::RequestExtension => "extension-requests",
            Self::DecideExtension => "extension-decision",
            Self::Comment => "comments",
            Self::Correct => "update",
            Self::Suspend => "suspend",
            Self::Resume => "resume",
            Self::Urge => "urge",
            Self::Feedback => "feedback",
            Self::Reopen => "reopen",
        }
    }
}

/// The state a step leads to from `from`, or `None` where the standard does
/// not allow it. Steps that leave the state alone return `from`.
pub fn next_status(from: CaseStatus, step: Step) -> Option<CaseStatus> {
    use CaseStatus::*;
    match (step, from) {
        (Step::Accept, Reported) => Some(Accepted),
        (Step::Reject, Reported) => Some(Rejected),
        (Step::Escalate, Reported | Accepted) => Some(from),
        (Step::Correct, Reported | Accepted) => Some(from),
        (Step::Dispatch, Accepted) => Some(Dispatched),
        (Step::Return, Dispatched) => Some(Accepted),
        (Step::Start, Dispatched) => Some(InProgress),
        (Step::Resolve, InProgress) => Some(Resolved),
        (Step::VerifyPassed, Resolved) => Some(Closed),
        (Step::VerifyFailed, Resolved) => Some(Dispatched),
        (Step::Cancel, Reported) => Some(Cancelled),
        (Step::RequestExtension | Step::DecideExtension, Dispatched | InProgress) => Some(from),
        (Step::Comment | Step::Suspend | Step::Resume | Step::Urge, s) if !s.is_final() => Some(s),
        (Step::Feedback, Closed) => Some(Closed),
        // Back to the lead department (the workflow sends a case settled on
        // site, which had none, to its dispatcher instead).
        (Step::Reopen, Closed) => Some(Dispatched),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseStatus::*;

    /// The standard's table, written out: for each step, the state it may
    /// start from and the state it leads to. Every pair not listed is refused.
    const TABLE: &[(Step, CaseStatus, CaseStatus)] = &[
        (Step::Accept, Reported, Accepted),
        (Step::Reject, Reported, Rejected),
        (Step::Escalate, Reported, Reported),
        (Step::Escalate, Accepted, Accepted),
        (Step::Correct, Reported, Reported),
        (Step::Correct, Accepted, Accepted),
        (Step::Dispatch, Accepted, Dispatched),
        (Step::Return, Dispatched, Accepted),
        (Step::Start, Dispatched, InProgress),
        (Step::Resolve, InProgress, Resolved),
        (Step::VerifyPassed, Resolved, Closed),
        (Step::VerifyFailed, Resolved, Dispatched),
        (Step::Cancel, Reported, Cancelled),
        (Step::RequestExtension, Dispatched, Dispatched),
        (Step::RequestExtension, InProgress, InProgress),
        (Step::DecideExtension, Dispatched, Dispatched),
        (Step::DecideExtension, InProgress, InProgress),
        (Step::Comment, Reported, Reported),
        (Step::Comment, Accepted, Accepted),
        (Step::Comment, Dispatched, Dispatched),
        (Step::Comment, InProgress, InProgress),
        (Step::Comment, Resolved, Resolved),
        (Step::Suspend, Reported, Reported),
        (Step::Suspend, Accepted, Accepted),
        (Step::Suspend, Dispatched, Dispatched),
        (Step::Suspend, InProgress, InProgress),
        (Step::Suspend, Resolved, Resolved),
        (Step::Resume, Reported, Reported),
        (Step::Resume, Accepted, Accepted),
        (Step::Resume, Dispatched, Dispatched),
        (Step::Resume, InProgress, InProgress),
        (Step::Resume, Resolved, Resolved),
        (Step::Urge, Reported, Reported),
        (Step::Urge, Accepted, Accepted),
        (Step::Urge, Dispatched, Dispatched),
        (Step::Urge, InProgress, InProgress),
        (Step::Urge, Resolved, Resolved),
        (Step::Feedback, Closed, Closed),
        (Step::Reopen, Closed, Dispatched),
    ];

    #[test]
    fn every_state_and_step_pair_is_allowed_or_refused_as_the_table_says() {
        let mut checked = 0;
        for step in Step::ALL {
            for from in CaseStatus::ALL {
                let expected = TABLE.iter().find(|(s, f, _)| *s == step && *f == from).map(|(_, _, to)| *to);
                assert_eq!(next_status(from, step), expected, "{step:?} from {from:?}");
                checked += 1;
            }
        }
        assert_eq!(checked, 19 * 8);
    }

    #[test]
    fn final_states_admit_no_step_but_a_closed_case_its_follow_up() {
        for from in [Rejected, Cancelled] {
            assert!(Step::ALL.iter().all(|s| next_status(from, *s).is_none()), "{from:?}");
        }
        let after_closing: Vec<Step> = Step::ALL.into_iter().filter(|s| next_status(Closed, *s).is_some()).collect();
        assert_eq!(after_closing, vec![Step::Feedback, Step::Reopen]);
    }
}
