//! Content codings of listing bodies: decoding what the origin sent (bounded, so a
//! decompression bomb stops at the byte limit) and encoding the reordered body for what the
//! client accepts.

use std::io::{Read, Write};

use http::header::{HeaderMap, HeaderValue, ACCEPT_ENCODING, CONTENT_ENCODING};

/// A content coding reshelf can decode and encode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Identity,
    Gzip,
    Deflate,
    Brotli,
    Zstd,
}

/// Compression levels chosen by measurement (BENCHMARKS.md, "Re-encoding"): fast levels keep
/// the added latency of a 500 KB page within budget at a ratio close to the defaults'.
const GZIP_LEVEL: u32 = 4;
const BROTLI_QUALITY: u32 = 4;
const ZSTD_LEVEL: i32 = 3;

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

/// The coding for a reordered body: among those the client accepts, the fastest to produce
/// at a good ratio (zstd, then br, then gzip, then deflate); identity when none.
pub fn choose_for_client(client: &HeaderMap) -> Coding {
    let accepted = accepted(client);
    [Coding::Zstd, Coding::Brotli, Coding::Gzip, Coding::Deflate]
        .into_iter()
        .find(|c| accepted.iter().any(|(a, _)| a == c))
        .unwrap_or(Coding::Identity)
}

/// Decodes `body`, stopping with [`CodecError::TooLarge`] past `limit` decoded bytes.
pub fn decode(coding: Coding, body: &[u8], limit: usize) -> Result<Vec<u8>, CodecError> {
    let reader: Box<dyn Read + '_> = match coding {
        Coding::Identity => {
            return if body.len() > limit {
                Err(CodecError::TooLarge { limit })
            } else {
                Ok(body.to_vec())
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
    Ok(out)
}

fn looks_like_zlib(body: &[u8]) -> bool {
    body.len() >= 2
        && body[0] & 0x0f == 8
        && (u16::from(body[0]) << 8 | u16::from(body[1])) % 31 == 0
}

/// Encodes `body` with `coding`.
pub fn encode(coding: Coding, body: &[u8]) -> Vec<u8> {
    let out = Vec::with_capacity(body.len() / 4);
    let written: std::io::Result<Vec<u8>> = match coding {
        Coding::Identity => return body.to_vec(),
        Coding::Gzip => {
            let mut e = flate2::write::GzEncoder::new(out, flate2::Compression::new(GZIP_LEVEL));
            e.write_all(body).and_then(|()| e.finish())
        }
        Coding::Deflate => {
            let mut e = flate2::write::ZlibEncoder::new(out, flate2::Compression::new(GZIP_LEVEL));
            e.write_all(body).and_then(|()| e.finish())
        }
        Coding::Brotli => {
            let mut out = out;
            let params = brotli::enc::BrotliEncoderParams {
                quality: BROTLI_QUALITY as i32,
                ..Default::default()
            };
            brotli::BrotliCompress(&mut &body[..], &mut out, &params).map(|_| out)
        }
        Coding::Zstd => zstd::stream::encode_all(body, ZSTD_LEVEL),
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
    fn a_bomb_stops_at_the_limit() {
        let bomb = encode(Coding::Gzip, &vec![0u8; 10 << 20]);
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
