//! A light element tree of a page for the onboarding tools: every element's tag, attributes,
//! parent and children and where its start tag sits, built in one lol_html pass. It is only
//! for looking at a page (finding repeated tiles, where ids sit); the reorder itself never
//! uses it. Elements inside `<template>` are marked inert.
//!
//! May depend on nothing else in the crate.

use std::cell::RefCell;
use std::rc::Rc;

use lol_html::html_content::{Element, EndTag};
use lol_html::{ElementContentHandlers, EndTagHandler, HtmlRewriter, Selector, Settings};

/// One element.
#[derive(Debug, Clone)]
pub struct Node {
    /// Lowercase tag name.
    pub tag: String,
    /// Attributes in source order, names lowercase, values with character references decoded.
    pub attrs: Vec<(String, String)>,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    /// Start of the start tag.
    pub start: usize,
    /// Inside a `<template>` (inert).
    pub inert: bool,
}

impl Node {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn classes(&self) -> impl Iterator<Item = &str> {
        self.attr("class").unwrap_or("").split_ascii_whitespace()
    }

    /// `tag#id.class1.class2` (at most `max_classes` classes), for people.
    pub fn describe(&self, max_classes: usize) -> String {
        let mut out = self.tag.clone();
        if let Some(id) = self.attr("id").filter(|id| is_plain(id)) {
            out.push('#');
            out.push_str(id);
        }
        for class in self.classes().filter(|c| is_plain(c)).take(max_classes) {
            out.push('.');
            out.push_str(class);
        }
        out
    }
}

/// Whether `name` can be written in a selector as it is (`#name`, `.name`).
pub fn is_plain(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '-')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !name.starts_with("--")
        && !(name.starts_with('-') && name[1..].starts_with(|c: char| c.is_ascii_digit()))
}

/// The element tree of a page.
#[derive(Debug, Default)]
pub struct Dom {
    pub nodes: Vec<Node>,
}

#[derive(Default)]
struct Building {
    nodes: Vec<Node>,
    open: Vec<usize>,
    templates: usize,
}

impl Dom {
    /// Builds the tree of `input` (read as UTF-8; tags sit at the same bytes in every
    /// encoding lol_html reads). A page lol_html cannot read gives what was read up to there.
    pub fn parse(input: &[u8]) -> Dom {
        let state = Rc::new(RefCell::new(Building::default()));
        let s = state.clone();
        let handler = move |el: &mut Element<'_, '_>| {
            let index = {
                let mut b = s.borrow_mut();
                let tag = el.tag_name().to_ascii_lowercase();
                let parent = b.open.last().copied();
                let index = b.nodes.len();
                let inert = b.templates > 0;
                b.nodes.push(Node {
                    attrs: el
                        .attributes()
                        .iter()
                        .map(|a| (a.name().to_ascii_lowercase(), a.value()))
                        .collect(),
                    parent,
                    children: Vec::new(),
                    start: el.source_location().bytes().start,
                    inert,
                    tag,
                });
                if let Some(parent) = parent {
                    b.nodes[parent].children.push(index);
                }
                index
            };
            if el.can_have_content() {
                let template = el.tag_name().eq_ignore_ascii_case("template");
                {
                    let mut b = s.borrow_mut();
                    b.open.push(index);
                    if template {
                        b.templates += 1;
                    }
                }
                let s = s.clone();
                let end: EndTagHandler<'static> = Box::new(move |_: &mut EndTag<'_>| {
                    let mut b = s.borrow_mut();
                    if let Some(at) = b.open.iter().rposition(|&n| n == index) {
                        b.open.truncate(at);
                    }
                    if template {
                        b.templates = b.templates.saturating_sub(1);
                    }
                    Ok(())
                });
                return el.on_end_tag(end);
            }
            Ok(())
        };
        let all: Selector = "*".parse().expect("`*` is a selector");
        let settings = Settings::new().append_element_content_handler((
            std::borrow::Cow::Owned(all),
            ElementContentHandlers::default().element(handler),
        ));
        let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
        if rewriter.write(input).is_ok() {
            let _ = rewriter.end();
        } else {
            drop(rewriter);
        }
        let nodes = std::mem::take(&mut state.borrow_mut().nodes);
        Dom { nodes }
    }

    /// The node whose start tag starts at `start`.
    pub fn at(&self, start: usize) -> Option<usize> {
        self.nodes.binary_search_by_key(&start, |n| n.start).ok()
    }

    /// Ancestors of `node`, nearest first (without `node`).
    pub fn ancestors(&self, node: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(self.nodes[node].parent, move |&n| self.nodes[n].parent)
    }

    /// Whether `node` lies inside `ancestor` (or is it).
    pub fn within(&self, node: usize, ancestor: usize) -> bool {
        node == ancestor || self.ancestors(node).any(|a| a == ancestor)
    }

    /// The child of `ancestor` on the way down to `node`.
    pub fn child_towards(&self, ancestor: usize, node: usize) -> Option<usize> {
        if node == ancestor {
            return None;
        }
        std::iter::once(node)
            .chain(self.ancestors(node))
            .find(|&n| self.nodes[n].parent == Some(ancestor))
    }

    /// `node` and everything inside it, in document order.
    pub fn subtree(&self, node: usize) -> Vec<usize> {
        let mut out = vec![node];
        let mut i = 0;
        while i < out.len() {
            out.extend(self.nodes[out[i]].children.iter().copied());
            i += 1;
        }
        out.sort_unstable();
        out
    }

    /// A short path to `node` for people: up to `depth` ancestors, `div.grid > ul > li.card`.
    pub fn path(&self, node: usize, depth: usize) -> String {
        let mut parts: Vec<String> = self
            .ancestors(node)
            .take(depth)
            .map(|n| self.nodes[n].describe(2))
            .collect();
        parts.reverse();
        parts.push(self.nodes[node].describe(2));
        parts.join(" > ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_tree_and_skips_templates() {
        let dom = Dom::parse(
            b"<ul class=\"g\"><li data-id=\"1\"><a href=\"/p/1\">x</a></li><li><img src=x></li>\
              </ul><template><li>t</li></template>",
        );
        let ul = &dom.nodes[0];
        assert_eq!(ul.describe(2), "ul.g");
        assert_eq!(ul.children.len(), 2);
        assert_eq!(dom.nodes[1].attr("data-id"), Some("1"));
        assert_eq!(dom.path(2, 3), "ul.g > li > a");
        assert!(dom.nodes.last().unwrap().inert);
        assert_eq!(dom.at(dom.nodes[1].start), Some(1));
    }
}
