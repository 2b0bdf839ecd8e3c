//! The compare page's HTML: plain and self-contained (an inline stylesheet; the only images are
//! the shop's own placeholders, same origin), every catalog string escaped. Ids the browser
//! test reads: `ol#native`, `ol#personalized` (items with `data-product-id`), `table#learned`,
//! `table#recent`.

use std::fmt::Write;

use super::{View, PATH};
use crate::demo::shop::pages::{category_path, escape, image_path};
use crate::sim::{Answer, Product, SessionState};

/// Learned features listed, the most telling first.
const FEATURES_SHOWN: usize = 12;

const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:72rem;\
padding:1rem 1.5rem;color:#222;background:#fff}\
code{background:#f3f1ed;padding:0 .25em}\
nav.cats a{margin-right:.9em}nav.cats a[aria-current]{font-weight:bold;color:#222;text-decoration:none}\
.columns{display:grid;grid-template-columns:1fr 1fr;gap:2rem}\
ol{padding-left:2.4em}li{margin:.1em 0}li img{vertical-align:middle;margin-right:.5em;background:#efebe5}\
.up{color:#1a7f37}.down{color:#b3262e}.same{color:#888}.note{color:#555}\
table{border-collapse:collapse;margin:.5em 0}th,td{padding:.25em .8em;border-bottom:1px solid #ddd;\
text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}";

/// The whole page.
pub(super) fn page(view: &View<'_>) -> String {
    let mut main = String::new();
    intro(&mut main, view);
    categories(&mut main, view);
    orders(&mut main, view);
    learned(&mut main, view.memory.as_ref());
    recent(&mut main, view);
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Your order and the shop's: {name} · reshelf demo</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n<main>\n{main}</main>\n\
         <p><a href=\"/\">Back to the shop</a></p>\n</body>\n</html>\n",
        name = escape(&view.category.name),
    )
}

fn intro(out: &mut String, view: &View<'_>) {
    out.push_str(
        "<h1>What reshelf does for you</h1>\n<p>reshelf sits in front of this shop. On every \
         category page it asks Fashion.AI (here, the demo's simulator) to rank the category for \
         your session, and serves the shop's own page with the product tiles in that order; \
         everything else on the page is the shop's, byte for byte.</p>\n",
    );
    match &view.session {
        Some(id) => {
            let short: String = id.chars().take(8).collect();
            let _ = writeln!(
                out,
                "<p>Your session: <code>{}…</code> (reshelf's session cookie in this browser).</p>",
                escape(&short)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "<p id=\"no-session\"><strong>No reshelf session in this browser yet.</strong> \
                 reshelf sets its session cookie on your first category page: open \
                 <a href=\"{}\">{}</a>, then come back here.</p>",
                category_path(&view.category.id),
                escape(&view.category.name)
            );
        }
    }
}

fn categories(out: &mut String, view: &View<'_>) {
    out.push_str("<nav class=\"cats\" aria-label=\"Categories\">Compare in: ");
    for c in view.catalog.categories() {
        let current = if c.id == view.category.id {
            " aria-current=\"page\""
        } else {
            ""
        };
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("category", &c.id)
            .finish();
        let _ = write!(
            out,
            "<a href=\"{PATH}?{}\"{current}>{}</a>",
            escape(&query),
            escape(&c.name)
        );
    }
    let _ = writeln!(
        out,
        " · <a href=\"{}\">open {} in the shop</a></nav>",
        category_path(&view.category.id),
        escape(&view.category.name)
    );
}

fn item(out: &mut String, p: &Product, moved: Option<isize>) {
    let marker = match moved {
        None => String::new(),
        Some(0) => " <small class=\"same\">=</small>".to_owned(),
        Some(up) if up > 0 => format!(" <small class=\"up\">▲{up}</small>"),
        Some(down) => format!(" <small class=\"down\">▼{}</small>", -down),
    };
    let _ = writeln!(
        out,
        "<li data-product-id=\"{id}\"><img src=\"{img}\" alt=\"\" width=\"32\" height=\"40\" \
         loading=\"lazy\">{name}{marker}</li>",
        id = escape(&p.id),
        img = image_path(&p.id, false),
        name = escape(&p.name),
    );
}

fn orders(out: &mut String, view: &View<'_>) {
    let n = view.native.len();
    // The notes go above both lists, so that their rows line up.
    out.push_str(
        "<p class=\"note\">Left, the shop's native order: what every shopper gets without \
         reshelf. Right, ",
    );
    match &view.personalized {
        Some(mine) => {
            let stale = if mine.stale {
                " (older than the cache's freshness: the next page asks again)"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "what reshelf serves your session: the shop's page reordered by the ranking \
                 Fashion.AI last answered for you in this category{stale}; {} of {n} products \
                 ranked, any others after them in the shop's order. ▲▼: places moved.</p>",
                mine.ranked
            );
        }
        None => out.push_str("your order, once reshelf has one.</p>\n"),
    }
    out.push_str(
        "<div class=\"columns\">\n<section>\n<h2>The shop's order</h2>\n<ol id=\"native\">\n",
    );
    for p in &view.native {
        item(out, p, None);
    }
    out.push_str("</ol>\n</section>\n<section>\n<h2>Your order</h2>\n");
    match &view.personalized {
        Some(mine) => {
            out.push_str("<ol id=\"personalized\">\n");
            for (place, p) in mine.order.iter().enumerate() {
                let native = view.native.iter().position(|q| q.id == p.id);
                let moved = native.map(|was| was as isize - place as isize);
                item(out, p, moved);
            }
            out.push_str("</ol>\n");
        }
        None => {
            let _ = writeln!(
                out,
                "<p id=\"no-ranking\" class=\"note\">{}</p>",
                why_native(view)
            );
        }
    }
    out.push_str("</section>\n</div>\n");
}

/// Why the session has no order of its own here yet.
fn why_native(view: &View<'_>) -> String {
    let page = format!(
        "<a href=\"{}\">{}</a>",
        category_path(&view.category.id),
        escape(&view.category.name)
    );
    match (&view.session, &view.memory) {
        (None, _) => "Not yet: you have no session.".to_owned(),
        (Some(_), Some(m)) if m.events <= m.min_events => format!(
            "Not yet: Fashion.AI answers an empty ranking (and you get the shop's order) until \
             it knows {} events of your session; it knows {}. Open {page} once or twice more, \
             then reload this page.",
            m.min_events, m.events
        ),
        _ => format!(
            "reshelf holds no ranking for your session in this category now. Open {page} (every \
             view asks Fashion.AI again), then reload this page."
        ),
    }
}

fn learned(out: &mut String, memory: Option<&SessionState>) {
    out.push_str("<h2>What the simulator has learned about your session</h2>\n");
    let Some(m) = memory.filter(|m| m.events > 0) else {
        out.push_str("<p class=\"note\">Nothing yet: it learns from your category views.</p>\n");
        return;
    };
    let _ = writeln!(
        out,
        "<p>{} events seen (category views, and products opened with \"Shop the look\"). A \
         category view adds the category's colour and style mix; an opened product adds its own \
         colour, styles, tags and category. A product's score is the sum, over its features, of \
         the weight learned for the feature times the feature's own weight (colour and style 1, \
         category and tag 0.5), plus a fixed per-session jitter below 1 that breaks ties; the \
         highest score comes first.</p>",
        m.events
    );
    out.push_str(
        "<table id=\"learned\">\n<thead><tr><th>feature</th><th>value</th><th>learned</th>\
         <th>× own weight</th><th>= a product with it gains</th></tr></thead>\n<tbody>\n",
    );
    for f in m.features.iter().take(FEATURES_SHOWN) {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{:.2}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{:.2}</td></tr>",
            f.kind.label(),
            escape(&f.value),
            f.weight,
            f.feature_weight,
            f.per_product()
        );
    }
    out.push_str("</tbody>\n</table>\n");
    if m.features.len() > FEATURES_SHOWN {
        let _ = writeln!(
            out,
            "<p class=\"note\">and {} more, weighing less.</p>",
            m.features.len() - FEATURES_SHOWN
        );
    }
}

fn answered(a: &Answer, min_events: u32) -> (String, &'static str) {
    if a.ranked > 0 {
        (
            format!("a ranking of {} products", a.ranked),
            "reordered (<code>X-Reshelf: personalized</code>)",
        )
    } else {
        (
            format!(
                "an empty ranking: it knew {} event{} of the session, and ranks from {}",
                a.known,
                if a.known == 1 { "" } else { "s" },
                min_events
            ),
            "the shop's order (<code>X-Reshelf: native; reason=empty</code>)",
        )
    }
}

fn recent(out: &mut String, view: &View<'_>) {
    out.push_str("<h2>Your last category pages</h2>\n");
    let Some(m) = view.memory.as_ref().filter(|m| !m.recent.is_empty()) else {
        out.push_str("<p class=\"note\">None yet.</p>\n");
        return;
    };
    out.push_str(
        "<table id=\"recent\">\n<thead><tr><th>#</th><th>category</th><th>Fashion.AI answered\
         </th><th>so the page got</th></tr></thead>\n<tbody>\n",
    );
    let total = m.recent.len();
    for (i, a) in m.recent.iter().enumerate().rev() {
        let name = view
            .catalog
            .category(&a.category)
            .map_or(a.category.as_str(), |c| c.name.as_str());
        let (answer, page) = answered(a, m.min_events);
        let latest = if i + 1 == total { " (latest)" } else { "" };
        let _ = writeln!(
            out,
            "<tr><td class=\"num\">{}</td><td><a href=\"{}\">{}</a>{latest}</td><td>{answer}</td>\
             <td>{page}</td></tr>",
            i + 1,
            category_path(&a.category),
            escape(name),
        );
    }
    let _ = writeln!(
        out,
        "</tbody>\n</table>\n<p class=\"note\">The newest first, as the simulator answered them. \
         A page is reordered when the answer comes within reshelf's budget ({} ms here); each \
         listing response says what it got in its <code>X-Reshelf</code> header (a trailer \
         when the page streams), and reshelf's <code>/metrics</code> count them.</p>",
        view.budget.as_millis()
    );
}
