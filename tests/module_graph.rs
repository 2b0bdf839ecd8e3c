//! The module graph has no cycles: between the crate's top-level modules (`src/lib.rs` lists
//! the layers), and between the files of `src/config`. Read from the source's `crate::` and
//! `super::` paths, as a newcomer would follow them; a cycle fails with its path.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use regex::Regex;

type Graph = BTreeMap<String, BTreeSet<String>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source without comments (line comments only: the crate uses no block comments), so a
/// path named in a doc comment is not an import.
fn code(path: &Path) -> String {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first path segments after `prefix::` in `text`: `prefix::a::b` gives `a`, and
/// `prefix::{a::x, b}` gives `a` and `b`.
fn first_segments(text: &str, prefix: &str) -> BTreeSet<String> {
    let single = Regex::new(&format!(r"\b{prefix}::([a-z_][a-z0-9_]*)")).unwrap();
    let group = Regex::new(&format!(r"\b{prefix}::\{{([^}}]*)")).unwrap();
    let mut found: BTreeSet<String> = single
        .captures_iter(text)
        .map(|c| c[1].to_owned())
        .collect();
    for c in group.captures_iter(text) {
        for item in c[1].split(',') {
            let name = item.trim().split("::").next().unwrap_or("").trim();
            if !name.is_empty() && name != "self" {
                found.insert(name.to_owned());
            }
        }
    }
    found
}

/// A cycle in `graph`, as the path of its nodes, if there is one.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Top-level module of a file under `src/` (`None` for the crate root files).
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next()?.as_os_str().to_str()?.to_owned();
    match first.as_str() {
        "lib.rs" | "main.rs" => None,
        _ => Some(first.trim_end_matches(".rs").to_owned()),
    }
}

fn top_level_graph() -> Graph {
    let src = src();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().filter_map(|f| top_module(&src, f)).collect();
    let mut graph = Graph::new();
    for file in &files {
        let Some(from) = top_module(&src, file) else {
            continue;
        };
        let edges = graph.entry(from.clone()).or_default();
        for to in first_segments(&code(file), "crate") {
            if to != from && modules.contains(&to) {
                edges.insert(to);
            }
        }
    }
    graph
}

#[test]
fn top_level_modules_form_no_cycle() {
    let graph = top_level_graph();
    assert!(graph.len() > 10, "modules found: {graph:?}");
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "import cycle between top-level modules: {}",
            cycle.join(" -> ")
        );
    }
}

/// Files of `src/config`, by stem; `mod` is `mod.rs`. A `super::name` or `crate::config::name`
/// path names the file `name`, or, for an item `mod.rs` re-exports from a file, that file;
/// any other item is `mod.rs`'s own. `pub use` lines only re-export and are not edges.
fn config_graph() -> Graph {
    let dir = src().join("config");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let stems: BTreeSet<String> = files
        .iter()
        .map(|f| f.file_stem().unwrap().to_str().unwrap().to_owned())
        .collect();
    let reexport = Regex::new(r"pub use (?:self::)?([a-z_]+)::(\{[^}]*\}|[A-Za-z_0-9]+)").unwrap();
    let mut owner: BTreeMap<String, String> = BTreeMap::new();
    let mod_code = code(&dir.join("mod.rs"));
    for c in reexport.captures_iter(&mod_code) {
        for name in c[2].trim_matches(|ch| ch == '{' || ch == '}').split(',') {
            let name = name.split(" as ").last().unwrap_or("").trim();
            owner.insert(name.to_owned(), c[1].to_owned());
        }
    }
    let item =
        Regex::new(r"\b(?:super|crate::config)::(?:\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))").unwrap();
    let mut graph = Graph::new();
    for file in &files {
        let from = file.file_stem().unwrap().to_str().unwrap().to_owned();
        let text: String = code(file)
            .lines()
            .filter(|l| !l.trim_start().starts_with("pub use"))
            .collect::<Vec<_>>()
            .join("\n");
        let edges = graph.entry(from.clone()).or_default();
        for c in item.captures_iter(&text) {
            let names = c.get(1).or(c.get(2)).unwrap().as_str();
            for name in names.split(',') {
                let name = name.trim().split("::").next().unwrap_or("").trim();
                if name.is_empty() || name == "self" {
                    continue;
                }
                let to = if stems.contains(name) && name != "mod" {
                    name.to_owned()
                } else {
                    owner.get(name).cloned().unwrap_or_else(|| "mod".to_owned())
                };
                if to != from {
                    edges.insert(to);
                }
            }
        }
    }
    graph
}

#[test]
fn config_files_form_no_cycle() {
    let graph = config_graph();
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import cycle inside src/config: {}", cycle.join(" -> "));
    }
}

#[test]
fn the_checker_sees_a_cycle() {
    let mut graph = Graph::new();
    graph.entry("a".into()).or_default().insert("b".into());
    graph.entry("b".into()).or_default().insert("c".into());
    assert_eq!(find_cycle(&graph), None);
    graph.entry("c".into()).or_default().insert("a".into());
    assert_eq!(
        find_cycle(&graph).unwrap(),
        ["a", "b", "c", "a"].map(String::from)
    );
    assert_eq!(
        first_segments(
            "use crate::{kit::body, app};\nlet x = crate::metrics::y;",
            "crate"
        ),
        BTreeSet::from(["app", "kit", "metrics"].map(String::from))
    );
}
