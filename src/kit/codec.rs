//! Content codings of listing bodies: decoding what the origin sent (bounded, so a
//! decompression bomb stops at the byte limit) and encoding the reordered body for what the
//! client accepts; whole bodies, or as streams (`StreamDecoder`, `StreamEncoder`).

mod stream;

use std::borrow::Cow;
use std::io::{Read, Write};

pub use stream::{StreamDecoder, StreamEncoder};

use http::header::{HeaderMap, HeaderValue, ACCEPT_ENCODING, CONTENT_ENCODING};

/// A content coding reshelf can decode and encode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// No coding.
    Identity,
    /// `gzip` (also read as `x-gzip`).
    Gzip,
    /// `deflate`: zlib-wrapped when encoding; zlib or raw when decoding.
    Deflate,
    /// `br`.
    Brotli,
    /// `zstd`.
    Zstd,
}

/// Compression levels chosen by measurement (`benches/codec.rs`, BENCHMARKS.md "Re-encoding"):
/// per coding, the best ratio whose decode + reorder + encode of the 456 KB WooCommerce page
/// (the densest 500 KB listing) stays at or under 2.5 ms p99 of CPU, leaving a margin of the
/// issue's 3 ms for buffering and headers. gzip 1 (zlib-rs): path 1.8 ms, ratio 0.305; level
/// 2 (0.226) takes 2.6 ms. Brotli 0: 2.5 ms from a br origin, ratio 0.241; quality 1 (0.216)
/// takes 3.0 ms. zstd 3: 1.8 ms, ratio 0.200; level 4 gains nothing, 5 gains 4% for twice the
/// encoding time.
const GZIP_LEVEL: u32 = 1;
const BROTLI_QUALITY: u32 = 0;
const ZSTD_LEVEL: u32 = 3;

/// Why a body could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("unsupported content coding {0:?}")]
    Unsupported(String),
    #[error("body does not decode as {coding:?}")]
    Corrupt {
        coding: Coding,
        #[source]
        source: std::io::Error,
    },
    #[error("decoded body exceeds {limit} bytes")]
    TooLarge { limit: usize },
}

impl Coding {
    /// The token in `Content-Encoding` / `Accept-Encoding`.
    pub fn token(self) -> &'static str {
        match self {
            Coding::Identity => "identity",
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
            Coding::Brotli => "br",
            Coding::Zstd => "zstd",
        }
    }

    fn from_token(token: &str) -> Option<Self> {
        let token = token.trim();
        [
            Coding::Identity,
            Coding::Gzip,
            Coding::Deflate,
            Coding::Brotli,
            Coding::Zstd,
        ]
        .into_iter()
        .find(|c| token.eq_ignore_ascii_case(c.token()))
        .or_else(|| token.eq_ignore_ascii_case("x-gzip").then_some(Coding::Gzip))
    }

    /// The coding of a response from its `Content-Encoding` (one coding; stacked codings are
    /// not decoded).
    pub fn of_response(headers: &HeaderMap) -> Result<Self, CodecError> {
        let Some(value) = headers.get(CONTENT_ENCODING) else {
            return Ok(Coding::Identity);
        };
        let text = value.to_str().unwrap_or("");
        Coding::from_token(text).ok_or_else(|| CodecError::Unsupported(text.to_owned()))
    }
}

/// The codings the client accepts with a q-value above zero, per RFC 9110 §12.5.3.
fn accepted(headers: &HeaderMap) -> Vec<(Coding, f32)> {
    headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|item| {
            let mut parts = item.split(';');
            let coding = Coding::from_token(parts.next()?)?;
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            Some((coding, q))
        })
        .filter(|&(_, q)| q > 0.0)
        .collect()
}

/// What to ask the origin for on a listing request: the client's accepted codings that reshelf
/// can decode, so an unchanged page passes through as the origin compressed it.
pub fn origin_accept_encoding(client: &HeaderMap) -> HeaderValue {
    let tokens: Vec<&str> = accepted(client)
        .into_iter()
        .filter(|(c, _)| *c != Coding::Identity)
        .map(|(c, _)| c.token())
        .collect();
    if tokens.is_empty() {
        HeaderValue::from_static("identity")
    } else {
        HeaderValue::try_from(tokens.join(", ")).expect("tokens are ASCII")
    }
}

/// The coding for a reordered body: among those the client accepts, zstd (the smallest and
/// cheapest at the levels above), then br (smaller than gzip 1 at about the same cost), then
/// gzip, then deflate; identity when none. Measured in BENCHMARKS.md "Re-encoding".
pub fn choose_for_client(client: &HeaderMap) -> Coding {
    let accepted = accepted(client);
    [Coding::Zstd, Coding::Brotli, Coding::Gzip, Coding::Deflate]
        .into_iter()
        .find(|c| accepted.iter().any(|(a, _)| a == c))
        .unwrap_or(Coding::Identity)
}

/// Decodes `body`, stopping with [`CodecError::TooLarge`] past `limit` decoded bytes.
/// An identity body is borrowed, not copied: it is most listing bodies, up to the limit.
pub fn decode(coding: Coding, body: &[u8], limit: usize) -> Result<Cow<'_, [u8]>, CodecError> {
    let reader: Box<dyn Read + '_> = match coding {
        Coding::Identity => {
            return if body.len() > limit {
                Err(CodecError::TooLarge { limit })
            } else {
                Ok(Cow::Borrowed(body))
            };
        }
        Coding::Gzip => Box::new(flate2::read::MultiGzDecoder::new(body)),
        Coding::Deflate if looks_like_zlib(body) => Box::new(flate2::read::ZlibDecoder::new(body)),
        // Some servers send raw deflate under this name.
        Coding::Deflate => Box::new(flate2::read::DeflateDecoder::new(body)),
        Coding::Brotli => Box::new(brotli::Decompressor::new(body, 64 * 1024)),
        Coding::Zstd => Box::new(
            zstd::stream::read::Decoder::with_buffer(body)
                .map_err(|source| CodecError::Corrupt { coding, source })?,
        ),
    };
    let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(limit));
    let read = reader
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|source| CodecError::Corrupt { coding, source })?;
    if read > limit {
        return Err(CodecError::TooLarge { limit });
    }
    Ok(Cow::Owned(out))
}

fn looks_like_zlib(body: &[u8]) -> bool {
    body.len() >= 2
        && body[0] & 0x0f == 8
        && (u16::from(body[0]) << 8 | u16::from(body[1])) % 31 == 0
}

/// Encodes `body` with `coding` at reshelf's level for it.
pub fn encode(coding: Coding, body: &[u8]) -> Vec<u8> {
    let level = match coding {
        Coding::Identity => 0,
        Coding::Gzip | Coding::Deflate => GZIP_LEVEL,
        Coding::Brotli => BROTLI_QUALITY,
        Coding::Zstd => ZSTD_LEVEL,
    };
    encode_at(coding, level, body)
}

/// Encodes `body` with `coding` at `level` (gzip/deflate 0–9, brotli quality 0–11, zstd 1–22;
/// ignored for identity). [`encode`] with the level as a parameter, so `benches/codec.rs`
/// measures the very code the proxy runs.
#[doc(hidden)]
pub fn encode_at(coding: Coding, level: u32, body: &[u8]) -> Vec<u8> {
    let out = Vec::with_capacity(body.len() / 4);
    let written: std::io::Result<Vec<u8>> = match coding {
        Coding::Identity => return body.to_vec(),
        Coding::Gzip => {
            let mut e = flate2::write::GzEncoder::new(out, flate2::Compression::new(level));
            e.write_all(body).and_then(|()| e.finish())
        }
        Coding::Deflate => {
            let mut e = flate2::write::ZlibEncoder::new(out, flate2::Compression::new(level));
            e.write_all(body).and_then(|()| e.finish())
        }
        Coding::Brotli => {
            let params = brotli::enc::BrotliEncoderParams {
                quality: i32::try_from(level).unwrap_or(11),
                size_hint: body.len(),
                ..Default::default()
            };
            // The whole body in one write, not `brotli::BrotliCompress`: that feeds the encoder
            // 4 KiB at a time, and at quality 0–1 each feed is compressed on its own (ratio
            // 0.34 instead of 0.22 on a 456 KB page, and slower). `into_inner` finishes the
            // stream; its only failure would be the Vec's write, which cannot fail.
            let mut e = brotli::CompressorWriter::with_params(out, 64 << 10, &params);
            e.write_all(body).map(|()| e.into_inner())
        }
        Coding::Zstd => zstd::stream::encode_all(body, i32::try_from(level).unwrap_or(22)),
    };
    written.expect("encoding into memory cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(accept: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT_ENCODING, HeaderValue::from_str(accept).unwrap());
        h
    }

    #[test]
    fn round_trips_every_coding() {
        let body = b"<ul>".repeat(1000);
        for c in [
            Coding::Identity,
            Coding::Gzip,
            Coding::Deflate,
            Coding::Brotli,
            Coding::Zstd,
        ] {
            assert_eq!(
                decode(c, &encode(c, &body), 1 << 20).unwrap(),
                body,
                "{c:?}"
            );
        }
    }

    #[test]
    fn brotli_sees_the_whole_body() {
        // Tiles of ~4.7 KB that repeat: a match is one tile back. Fed 4 KiB at a time, brotli's
        // fast qualities compress each piece alone and never see it (~50% of the input).
        let mut x = 1u32;
        let tile: String = (0..1200)
            .map(|_| {
                x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                format!("{:x} ", x >> 20)
            })
            .collect();
        let page: String = (0..60)
            .map(|i| format!("<li data-id=\"{i}\">{tile}</li>\n"))
            .collect();
        let br = encode(Coding::Brotli, page.as_bytes());
        assert!(br.len() < page.len() / 20, "{} of {}", br.len(), page.len());
        assert_eq!(
            decode(Coding::Brotli, &br, 1 << 20).unwrap(),
            page.as_bytes()
        );
    }

    #[test]
    fn a_bomb_stops_at_the_limit() {
        // At level 9: reshelf's own gzip level (zlib-rs's fast level 1) makes no bomb.
        let bomb = encode_at(Coding::Gzip, 9, &vec![0u8; 10 << 20]);
        assert!(bomb.len() < 64 * 1024);
        assert!(matches!(
            decode(Coding::Gzip, &bomb, 1 << 20),
            Err(CodecError::TooLarge { .. })
        ));
    }

    #[test]
    fn client_preferences() {
        assert_eq!(
            choose_for_client(&headers("gzip, deflate, br, zstd")),
            Coding::Zstd
        );
        assert_eq!(choose_for_client(&headers("gzip, br")), Coding::Brotli);
        assert_eq!(choose_for_client(&headers("br;q=0, gzip")), Coding::Gzip);
        assert_eq!(choose_for_client(&HeaderMap::new()), Coding::Identity);
        assert_eq!(
            origin_accept_encoding(&headers("br;q=0, gzip, sdch")),
            "gzip"
        );
        assert_eq!(origin_accept_encoding(&HeaderMap::new()), "identity");
    }
}
