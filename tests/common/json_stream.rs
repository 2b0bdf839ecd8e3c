//! `rewrite::json::JsonStream`: the same bytes and outcome as the buffered `reorder` for every
//! chunking and every moment of `decide`; early bytes; the array held, then released; invalid
//! bodies coming out as they came; the memory bound.

use std::sync::Arc;

use reshelf::ranked::Ranking;
use reshelf::rewrite::json::{reorder, JsonRules, JsonStream, StreamOutcome};
use reshelf::rewrite::{Outcome, Stats, Unchanged};

/// Every piece the stream has ready now, joined.
pub fn ready(stream: &mut JsonStream) -> Vec<u8> {
    std::iter::from_fn(|| stream.take_ready())
        .flatten()
        .collect()
}

/// Ends the stream: its last bytes, joined, and how it ended.
pub fn finish(stream: &mut JsonStream) -> (Vec<u8>, StreamOutcome) {
    let outcome = stream.finish();
    (ready(stream), outcome)
}

/// What one streamed run gave.
pub struct Streamed {
    pub body: Vec<u8>,
    pub outcome: StreamOutcome,
    pub max_held: usize,
}

/// Streams `input` in pieces at `cuts` (sorted offsets), deciding `ranking` after `decide_at`
/// pushes (`None`: never; past the last push: before `finish`).
pub fn stream_cuts(
    input: &[u8],
    rules: &JsonRules,
    ranking: Option<&Ranking>,
    cuts: &[usize],
    decide_at: Option<usize>,
    max_held: usize,
) -> Streamed {
    let mut stream = JsonStream::new(rules, max_held);
    let (mut body, mut most, mut from) = (Vec::new(), 0, 0);
    for (pushes, to) in cuts.iter().copied().chain([input.len()]).enumerate() {
        if decide_at == Some(pushes) {
            stream.decide(ranking.map(|r| Arc::new(r.clone())));
        }
        stream.push(&input[from..to]);
        from = to;
        most = most.max(stream.held());
        body.extend_from_slice(&ready(&mut stream));
    }
    if decide_at.is_some_and(|at| at > cuts.len()) {
        stream.decide(ranking.map(|r| Arc::new(r.clone())));
    }
    let (rest, outcome) = finish(&mut stream);
    body.extend_from_slice(&rest);
    Streamed {
        body,
        outcome,
        max_held: most,
    }
}

/// Streams `input` in pieces of `chunk` bytes.
pub fn stream(
    input: &[u8],
    rules: &JsonRules,
    ranking: Option<&Ranking>,
    chunk: usize,
    decide_at: Option<usize>,
) -> Streamed {
    let cuts: Vec<usize> = (chunk..input.len()).step_by(chunk.max(1)).collect();
    stream_cuts(input, rules, ranking, &cuts, decide_at, usize::MAX)
}

/// Asserts that streaming `input` in pieces of each of `chunks`, deciding before the first
/// push, midway and after the last, gives the buffered engine's bytes and outcome.
pub fn assert_same_as_buffered(
    input: &[u8],
    rules: &JsonRules,
    ranking: &Ranking,
    chunks: &[usize],
    what: &str,
) {
    let buffered = reorder(input, rules, ranking);
    for &chunk in chunks {
        let pushes = input.len().div_ceil(chunk.max(1)).max(1);
        for decide_at in [0, pushes / 2, pushes] {
            let got = stream(input, rules, Some(ranking), chunk, Some(decide_at));
            assert!(
                got.body == buffered.body[..],
                "{what}: chunks of {chunk}, decided after {decide_at} pushes: bytes differ"
            );
            assert_eq!(
                got.outcome,
                StreamOutcome::Done(buffered.outcome.clone()),
                "{what}: chunks of {chunk}, decided after {decide_at} pushes"
            );
        }
    }
}

#[test]
fn bytes_before_the_array_go_out_and_the_array_waits_for_the_ranking() {
    let rules = JsonRules::new("/data/products", "id").unwrap();
    let input =
        br#"{"meta": {"took": 3}, "data": {"products": [{"id": "a"}, {"id": "b"}], "total": 2}}"#;
    let text = std::str::from_utf8(input).unwrap();
    let open = text.find("[{").unwrap();
    let close = text.find("}]").unwrap() + 2;
    let mut stream = JsonStream::new(&rules, usize::MAX);
    stream.push(&input[..open + 3]);
    assert_eq!(
        &ready(&mut stream)[..],
        &input[..open],
        "the prefix went out"
    );
    stream.push(&input[open + 3..close + 3]);
    assert!(
        ready(&mut stream).is_empty(),
        "nothing of the array or after it"
    );
    assert!(stream.waiting());
    stream.decide(Some(Arc::new(Ranking::new(["b"]))));
    assert_eq!(
        std::str::from_utf8(&ready(&mut stream)).unwrap(),
        r#"[{"id": "b"}, {"id": "a"}], "#
    );
    stream.push(&input[close + 3..]);
    let (rest, outcome) = finish(&mut stream);
    assert_eq!(&rest[..], br#""total": 2}}"#);
    let stats = Stats {
        listings: 1,
        tiles: 2,
        ranked: 1,
    };
    assert_eq!(outcome, StreamOutcome::Done(Outcome::Reordered(stats)));
}

#[test]
fn an_invalid_body_comes_out_as_it_came() {
    let rules = JsonRules::new("", "id").unwrap();
    for input in [
        &br#"[{"id": "a"}, {"id": "b"} oops]"#[..],
        br#"[{"id": "a"}, {"id": "b"}] trailing"#,
        br#"[{"id": "a"}, {"id": "b"}"#,
        br#"{"id": "a"}"#,
        b"",
        b"\xEF\xBB\xBF[{\"id\": \"a\"}, {\"id\": \"b\"}]",
    ] {
        assert_same_as_buffered(
            input,
            &rules,
            &Ranking::new(["b"]),
            &[1, 2, 5, 1 << 20],
            &String::from_utf8_lossy(input),
        );
    }
    // Invalid after the array went out reordered: the array stays reordered, the rest is the
    // input's, and the outcome says so.
    let input = br#"{"products": [{"id": "a"}, {"id": "b"}], "x": nope}"#;
    let rules = JsonRules::new("/products", "id").unwrap();
    let got = stream(input, &rules, Some(&Ranking::new(["b"])), 4, Some(0));
    assert_eq!(
        &got.body[..],
        br#"{"products": [{"id": "b"}, {"id": "a"}], "x": nope}"#
    );
    assert!(
        matches!(got.outcome, StreamOutcome::FailedLate { .. }),
        "{:?}",
        got.outcome
    );
    // A later duplicate member replaces an array still held, as in the buffered engine; one
    // that went out reordered stays so.
    let input =
        br#"{"products": [{"id": "a"}, {"id": "b"}], "products": [{"id": "c"}, {"id": "b"}]}"#;
    let ranking = Ranking::new(["b"]);
    let buffered = reorder(input, &rules, &ranking);
    for chunk in [1, 7, 100] {
        let got = stream(input, &rules, Some(&ranking), chunk, Some(usize::MAX));
        assert!(got.body == buffered.body[..], "chunks of {chunk}");
        assert_eq!(got.outcome, StreamOutcome::Done(buffered.outcome.clone()));
    }
    let got = stream(input, &rules, Some(&ranking), 7, Some(0));
    assert!(
        matches!(got.outcome, StreamOutcome::FailedLate { .. }),
        "{:?}",
        got.outcome
    );
}

#[test]
fn an_array_larger_than_the_bound_streams_native() {
    let rules = JsonRules::new("/items", "id").unwrap();
    let items: Vec<String> = (0..300)
        .map(|i| format!(r#"{{"id": "p{i}", "name": "product {i}"}}"#))
        .collect();
    let input = format!(r#"{{"items": [{}], "total": 300}}"#, items.join(", "));
    let ranking = Ranking::new(["p299"]);
    let cuts: Vec<usize> = (512..input.len()).step_by(512).collect();
    let got = stream_cuts(
        input.as_bytes(),
        &rules,
        Some(&ranking),
        &cuts,
        Some(1),
        2048,
    );
    assert!(got.max_held <= 2048, "held {}", got.max_held);
    assert!(got.body == input.as_bytes());
    assert!(
        matches!(got.outcome, StreamOutcome::TooLarge { .. }),
        "{:?}",
        got.outcome
    );
    let got = stream_cuts(
        input.as_bytes(),
        &rules,
        Some(&ranking),
        &cuts,
        Some(1),
        1 << 20,
    );
    assert!(matches!(
        got.outcome,
        StreamOutcome::Done(Outcome::Reordered(_))
    ));
}

#[test]
fn no_ranking_or_an_empty_one_leaves_the_body() {
    let rules = JsonRules::new("", "id").unwrap();
    let input = br#"[{"id": "a"}, {"id": "b"}]"#;
    for (ranking, decide_at, outcome) in [
        (None, Some(1), StreamOutcome::NoRanking),
        (None, None, StreamOutcome::NoRanking),
        (
            Some(Ranking::default()),
            Some(0),
            StreamOutcome::Done(Outcome::Unchanged(Unchanged::EmptyRanking)),
        ),
    ] {
        let got = stream(input, &rules, ranking.as_ref(), 5, decide_at);
        assert_eq!((&got.body[..], got.outcome), (&input[..], outcome));
    }
}

#[test]
fn the_stream_can_cross_threads() {
    fn send<T: Send>() {}
    send::<JsonStream>();
}
