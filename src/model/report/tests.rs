use super::*;

const H: i64 = 3600;

fn run(steps: &[(i64, Happening)]) -> (Cycle, Vec<NewEvent>) {
    let mut c = Cycle::default();
    let mut seen = false;
    let mut all = Vec::new();
    for &(at, h) in steps {
        all.extend(c.step(seen, h, at));
        seen = true;
    }
    (c, all)
}

fn kinds(events: &[NewEvent]) -> Vec<Kind> {
    events.iter().map(|e| e.kind).collect()
}

#[test]
fn first_response_runs_from_the_first_unanswered_message_to_the_first_human_reply() {
    let (c, ev) = run(&[
        (0, Happening::Customer),
        (60, Happening::Customer),
        (300, Happening::Reply(Some(7))),
        (400, Happening::Customer),
        (460, Happening::Reply(Some(8))),
        (500, Happening::Reply(Some(8))),
    ]);
    assert_eq!(
        kinds(&ev),
        [
            Kind::Opened,
            Kind::FirstResponse,
            Kind::Reply,
            Kind::Reply,
            Kind::Reply
        ]
    );
    assert_eq!((ev[1].span, ev[1].user), (Some((0, 300)), Some(7)));
    assert_eq!(
        ev[3].span,
        Some((400, 460)),
        "a reply time per answered wait"
    );
    assert_eq!(ev[4].span, None, "a follow-up answers nothing");
    assert_eq!(ev[4].in_window, Some(true));
    assert_eq!(c.waiting_since, None);
}

#[test]
fn reopening_starts_a_new_cycle_with_its_own_first_response() {
    let (_, ev) = run(&[
        (0, Happening::Customer),
        (100, Happening::Reply(Some(1))),
        (200, Happening::Resolve(Some(1))),
        (1000, Happening::Customer),
        (1600, Happening::Reply(Some(2))),
        (1700, Happening::Resolve(Some(2))),
    ]);
    assert_eq!(
        kinds(&ev),
        [
            Kind::Opened,
            Kind::FirstResponse,
            Kind::Reply,
            Kind::Resolved,
            Kind::Reopened,
            Kind::FirstResponse,
            Kind::Reply,
            Kind::Resolved,
        ]
    );
    assert_eq!(ev[3].span, Some((0, 200)));
    assert_eq!(
        ev[5].span,
        Some((1000, 1600)),
        "measured from the reopening message"
    );
    assert_eq!(ev[7].span, Some((1000, 1700)));
}

#[test]
fn an_agent_started_conversation_waits_for_the_customer_before_measuring() {
    let (_, ev) = run(&[
        (0, Happening::Reply(Some(3))),
        (500, Happening::Customer),
        (560, Happening::Reply(Some(3))),
    ]);
    assert_eq!(
        kinds(&ev),
        [Kind::Opened, Kind::Reply, Kind::FirstResponse, Kind::Reply]
    );
    assert_eq!(ev[0].user, Some(3));
    assert_eq!(ev[1].in_window, Some(false), "no customer message yet");
    assert_eq!(ev[2].span, Some((500, 560)));
}

#[test]
fn assignment_waits_and_reassignments_are_told_apart() {
    let (_, ev) = run(&[
        (0, Happening::Customer),
        (120, Happening::Assign(Some(1))),
        (200, Happening::Assign(None)),
        (300, Happening::Assign(Some(2))),
        (400, Happening::Reply(Some(2))),
    ]);
    assert_eq!(
        kinds(&ev),
        [
            Kind::Opened,
            Kind::Assigned,
            Kind::Reassigned,
            Kind::FirstResponse,
            Kind::Reply
        ]
    );
    assert_eq!((ev[1].span, ev[1].user), (Some((0, 120)), Some(1)));
    assert_eq!(ev[2].user, Some(2));
    assert_eq!(ev[3].user, Some(2), "the replier, not the first assignee");
}

#[test]
fn the_window_counts_a_reply_at_23h59_inside_and_at_24h01_outside() {
    let (_, ev) = run(&[
        (0, Happening::Customer),
        (23 * H + 59 * 60, Happening::Reply(Some(1))),
    ]);
    assert_eq!(kinds(&ev), [Kind::Opened, Kind::FirstResponse, Kind::Reply]);
    assert_eq!(ev[2].in_window, Some(true));

    let (_, ev) = run(&[
        (0, Happening::Customer),
        (24 * H + 60, Happening::Reply(Some(1))),
    ]);
    assert_eq!(
        kinds(&ev),
        [
            Kind::Opened,
            Kind::WindowExpired,
            Kind::FirstResponse,
            Kind::Reply
        ]
    );
    assert_eq!(ev[1].at, 24 * H, "expired when the window closed");
    assert_eq!(ev[3].in_window, Some(false));
}

#[test]
fn a_window_expires_unanswered_once_per_wait_and_resolving_ends_the_wait() {
    let (c, ev) = run(&[
        (0, Happening::Customer),
        (30 * H, Happening::Customer),
        (40 * H, Happening::Resolve(Some(1))),
    ]);
    assert_eq!(
        kinds(&ev),
        [Kind::Opened, Kind::WindowExpired, Kind::Resolved]
    );
    assert_eq!(c.waiting_since, None);
    assert_eq!(c.open_at, None);
    let (_, ev) = run(&[
        (0, Happening::Customer),
        (3 * H, Happening::Resolve(Some(1))),
        (30 * H, Happening::Reply(Some(1))),
    ]);
    assert_eq!(
        kinds(&ev),
        [Kind::Opened, Kind::Resolved, Kind::Reopened, Kind::Reply],
        "nothing was waiting once resolved"
    );
}

#[test]
fn status_changes_that_are_not_reopenings_yield_nothing() {
    let (_, ev) = run(&[
        (0, Happening::Customer),
        (10, Happening::Reopen(Some(1))),
        (20, Happening::Resolve(Some(1))),
        (30, Happening::Resolve(Some(1))),
        (40, Happening::Reopen(Some(2))),
    ]);
    assert_eq!(kinds(&ev), [Kind::Opened, Kind::Resolved, Kind::Reopened]);
    assert_eq!(ev[2].user, Some(2));
}
