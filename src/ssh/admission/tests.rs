//! The admission rules, at the edges: per source, full, the early drop and who owes.

use super::*;
use proptest::prelude::*;

fn address(host: u8, port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, host], port))
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn max_startups_parse_and_say_what_is_wrong() {
    assert_eq!("16:30:128".parse(), Ok(MaxStartups::default()));
    assert_eq!(MaxStartups::default().to_string(), "16:30:128");
    for (text, why) in [
        ("10", "start:rate:full"),
        ("a:30:64", "start:rate:full"),
        ("0:30:64", "start is from 1 to full"),
        ("65:30:64", "start is from 1 to full"),
        ("10:101:64", "at most 100"),
        ("1:30:0", "full is from 1"),
    ] {
        let error = text.parse::<MaxStartups>().unwrap_err();
        assert!(error.contains(why), "{text}: {error}");
    }
}

#[test]
fn the_drop_chance_rises_from_rate_at_start_to_all_at_full() {
    let max = MaxStartups {
        start: 10,
        rate: 30,
        full: 100,
    };
    assert_eq!(max.drop_chance(9), 0);
    assert_eq!(max.drop_chance(10), 30);
    assert_eq!(max.drop_chance(55), 65);
    assert_eq!(max.drop_chance(100), 100);
    assert_eq!(max.drop_chance(1000), 100);
}

#[test]
fn a_login_in_progress_outlasts_silent_sockets_from_its_own_address() {
    let admission = Arc::new(Admission::new(MaxStartups::default(), 3));
    let start = Instant::now();
    let admit = |port, at| admission.admit(address(1, port), start + at, 99).unwrap();
    let silent: Vec<_> = (0..3).map(|i| admit(i, ms(0))).collect();
    // A real login comes later and goes back and forth with the server.
    let (login, _) = admit(100, ms(10));
    login.startup.heard();
    login.startup.spoke(start + ms(12));
    login.startup.heard();
    // Three more silent sockets come while it is the server's turn.
    let later: Vec<_> = (0..3).map(|i| admit(200 + i, ms(20))).collect();
    for (ticket, _) in &silent {
        assert_eq!(ticket.startup.closed(), Some(Closed::PerSource));
    }
    assert_eq!(later[0].0.startup.closed(), Some(Closed::PerSource));
    assert_eq!(login.startup.closed(), None);
    // The server answers; the client owes now, but for less long than the later ones.
    login.startup.spoke(start + ms(30));
    let (_next, _) = admit(300, ms(40));
    assert_eq!(later[1].0.startup.closed(), Some(Closed::PerSource));
    assert_eq!(login.startup.closed(), None);
    login.logged_in();
    assert_eq!(admission.pending(), 2);
}

#[test]
fn with_every_startup_waiting_on_the_server_the_newcomer_is_refused() {
    let admission = Arc::new(Admission::new(MaxStartups::default(), 2));
    let now = Instant::now();
    let busy: Vec<_> = (0..2)
        .map(|i| admission.admit(address(1, i), now, 99).unwrap())
        .collect();
    for (ticket, _) in &busy {
        ticket.startup.heard();
    }
    let refused = admission.admit(address(1, 9), now, 99).err();
    assert_eq!(refused, Some(Closed::PerSource));
    assert!(busy.iter().all(|(t, _)| t.startup.closed().is_none()));
    // Another address is not refused for it.
    assert!(admission.admit(address(2, 1), now, 99).is_ok());
}

#[test]
fn the_early_drop_takes_only_a_stalled_startup() {
    let max = MaxStartups {
        start: 2,
        rate: 100,
        full: 10,
    };
    let admission = Arc::new(Admission::new(max, 10));
    let start = Instant::now();
    let first: Vec<_> = (0..2)
        .map(|i| admission.admit(address(i, 1), start, 0).unwrap())
        .collect();
    let (_fresh, _) = admission.admit(address(5, 1), start + ms(500), 0).unwrap();
    assert!(first.iter().all(|(t, _)| t.startup.closed().is_none()));
    let (_late, _) = admission.admit(address(6, 1), start + STALLED, 0).unwrap();
    assert_eq!(first[0].0.startup.closed(), Some(Closed::MaxStartups));
    assert_eq!(first[1].0.startup.closed(), None);
}

#[test]
fn another_address_is_not_dropped_for_one_that_fills_its_share() {
    let admission = Arc::new(Admission::new(MaxStartups::default(), 2));
    let start = Instant::now();
    let (bastion, _) = admission.admit(address(2, 1), start, 99).unwrap();
    let flood: Vec<_> = (0..50)
        .map(|i| {
            let at = start + ms(u64::from(i) + 1);
            admission.admit(address(3, i), at, 99).unwrap()
        })
        .collect();
    assert_eq!(bastion.startup.closed(), None);
    let open = flood.iter().filter(|(t, _)| t.startup.closed().is_none());
    assert_eq!(open.count(), 2);
}

#[test]
fn a_dropped_startup_hears_it() {
    let admission = Arc::new(Admission::new(MaxStartups::default(), 1));
    let now = Instant::now();
    let (first, mut dropped) = admission.admit(address(1, 1), now, 0).unwrap();
    assert!(dropped.try_recv().is_err(), "not dropped yet");
    let (_second, _) = admission.admit(address(1, 2), now, 0).unwrap();
    assert_eq!(dropped.try_recv(), Ok(()));
    assert_eq!(first.startup.closed(), Some(Closed::PerSource));
    drop(first);
    assert_eq!(admission.pending(), 1);
}

#[derive(Debug, Clone)]
enum Step {
    Arrive { host: u8, roll: u32 },
    Heard(usize),
    Spoke(usize),
    LogIn(usize),
    Leave(usize),
    Wait(u64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0u8..4, 0u32..100).prop_map(|(host, roll)| Step::Arrive { host, roll }),
        2 => any::<usize>().prop_map(Step::Heard),
        2 => any::<usize>().prop_map(Step::Spoke),
        1 => any::<usize>().prop_map(Step::LogIn),
        1 => any::<usize>().prop_map(Step::Leave),
        2 => (0u64..800).prop_map(Step::Wait),
    ]
}

/// The startup among `group` that has owed longest, and since when.
fn longest_owing(group: &[&Startup]) -> Option<Instant> {
    group.iter().filter_map(|s| s.owes_since()).min()
}

proptest! {
    /// Whatever comes, talks, logs in and leaves: the table holds at most `full`, an
    /// address at most its share; at most one startup goes for a newcomer, and it is one
    /// that owed longest in its group (early, only after owing for `STALLED`); nothing
    /// happens below `start` and the share; a newcomer is refused only when nobody in
    /// its group owes anything.
    #[test]
    fn the_table_keeps_its_limits_and_drops_only_the_longest_owing(
        start in 1usize..6,
        rate in 0u32..=100,
        extra in 0usize..6,
        per_source in 1usize..5,
        steps in proptest::collection::vec(step(), 1..120),
    ) {
        let max = MaxStartups { start, rate, full: start + extra };
        let admission = Arc::new(Admission::new(max, per_source));
        let mut now = Instant::now();
        let mut tickets: Vec<Ticket> = Vec::new();
        let mut serial = 0u16;
        for step in steps {
            let open: Vec<usize> = (0..tickets.len())
                .filter(|&i| {
                    let startup = &tickets[i].startup;
                    startup.closed().is_none() && !startup.is_logged_in()
                })
                .collect();
            let pick = |i: usize| open[i % open.len()];
            match step {
                Step::Arrive { host, roll } => {
                    let source = address(host, serial);
                    serial += 1;
                    let all: Vec<&Startup> =
                        open.iter().map(|&i| &*tickets[i].startup).collect();
                    let same: Vec<&Startup> = all
                        .iter()
                        .copied()
                        .filter(|s| s.source.ip() == source.ip())
                        .collect();
                    let full_share = same.len() >= per_source;
                    let full_table = all.len() >= max.full;
                    let admitted = admission.admit(source, now, roll);
                    let victims: Vec<&Startup> = all
                        .iter()
                        .copied()
                        .filter(|s| s.closed().is_some())
                        .collect();
                    prop_assert!(victims.len() <= 1);
                    match (&admitted, victims.first()) {
                        (Err(reason), _) => {
                            prop_assert!(victims.is_empty());
                            let group = if full_share { &same } else { &all };
                            prop_assert!(full_share || full_table);
                            prop_assert_eq!(longest_owing(group), None);
                            let expected = if full_share { Closed::PerSource } else { Closed::MaxStartups };
                            prop_assert_eq!(*reason, expected);
                        }
                        (Ok(_), Some(victim)) if full_share => {
                            prop_assert_eq!(victim.closed(), Some(Closed::PerSource));
                            prop_assert_eq!(victim.owes_since(), longest_owing(&same));
                        }
                        (Ok(_), Some(victim)) => {
                            prop_assert_eq!(victim.closed(), Some(Closed::MaxStartups));
                            prop_assert_eq!(victim.owes_since(), longest_owing(&all));
                            let since = victim.owes_since().unwrap();
                            prop_assert!(full_table || (all.len() >= start && now - since >= STALLED));
                        }
                        (Ok(_), None) => prop_assert!(!full_share && !full_table),
                    }
                    if let Ok((ticket, _)) = admitted {
                        prop_assert_eq!(ticket.startup.closed(), None);
                        tickets.push(ticket);
                    }
                }
                Step::Heard(i) if !open.is_empty() => tickets[pick(i)].startup.heard(),
                Step::Spoke(i) if !open.is_empty() => tickets[pick(i)].startup.spoke(now),
                Step::LogIn(i) if !open.is_empty() => tickets[pick(i)].logged_in(),
                Step::Leave(i) if !tickets.is_empty() => {
                    let gone = i % tickets.len();
                    tickets.remove(gone);
                }
                Step::Wait(n) => now += ms(n),
                _ => {}
            }
            let open: Vec<&Startup> = tickets
                .iter()
                .map(|t| &*t.startup)
                .filter(|s| s.closed().is_none() && !s.is_logged_in())
                .collect();
            prop_assert_eq!(admission.pending(), open.len());
            prop_assert!(open.len() <= max.full);
            for host in 0..4u8 {
                let ip = address(host, 0).ip();
                let from_host = open.iter().filter(|s| s.source.ip() == ip).count();
                prop_assert!(from_host <= per_source);
            }
        }
    }
}
