//! Content codings as streams: a body decoded as its chunks arrive and a reordered body
//! encoded as it is produced, with a flush that pushes everything so far to the client (at the
//! end of a listing region the browser must get the bytes, not wait in the encoder's window).
//!
//! Both sides are the writer forms of the same crates [`super::decode`] and [`super::encode`]
//! use; each call hands back whatever output the coder produced.

use std::io::Write;

use bytes::Bytes;

use super::{looks_like_zlib, CodecError, Coding, BROTLI_QUALITY, GZIP_LEVEL, ZSTD_LEVEL};

/// Output buffer of the brotli writers, in bytes.
const BROTLI_BUFFER: usize = 64 << 10;

/// Coded bytes handed to a decoder at a time: a decompression bomb's output is checked
/// against the limit after each slice, so one slice's output (at most a few MiB at the
/// codings' highest ratios) is all that can pile up past it.
const DECODE_SLICE: usize = 1024;

/// Decodes a content-coded body chunk by chunk, at most `limit` decoded bytes in all.
pub struct StreamDecoder {
    coding: Coding,
    state: Decoder,
    limit: usize,
    decoded: usize,
}

enum Decoder {
    Identity,
    /// `deflate` before its first two bytes tell zlib from raw deflate.
    DeflateUndecided(Vec<u8>),
    Gzip(flate2::write::MultiGzDecoder<Vec<u8>>),
    Zlib(flate2::write::ZlibDecoder<Vec<u8>>),
    Deflate(flate2::write::DeflateDecoder<Vec<u8>>),
    Brotli(Box<brotli::DecompressorWriter<Vec<u8>>>),
    Zstd(zstd::stream::write::Decoder<'static, Vec<u8>>),
}

impl StreamDecoder {
    /// A decoder that fails with [`CodecError::TooLarge`] past `limit` decoded bytes.
    pub fn new(coding: Coding, limit: usize) -> Result<Self, CodecError> {
        let state = match coding {
            Coding::Identity => Decoder::Identity,
            Coding::Gzip => Decoder::Gzip(flate2::write::MultiGzDecoder::new(Vec::new())),
            Coding::Deflate => Decoder::DeflateUndecided(Vec::new()),
            Coding::Brotli => Decoder::Brotli(Box::new(brotli::DecompressorWriter::new(
                Vec::new(),
                BROTLI_BUFFER,
            ))),
            Coding::Zstd => Decoder::Zstd(
                zstd::stream::write::Decoder::new(Vec::new())
                    .map_err(|source| CodecError::Corrupt { coding, source })?,
            ),
        };
        Ok(Self {
            coding,
            state,
            limit,
            decoded: 0,
        })
    }

    /// Decodes the next chunk; the decoded bytes it yields (possibly none yet).
    pub fn push(&mut self, chunk: Bytes) -> Result<Bytes, CodecError> {
        let coding = self.coding;
        let corrupt = |source| CodecError::Corrupt { coding, source };
        if let Decoder::DeflateUndecided(head) = &mut self.state {
            head.extend_from_slice(&chunk);
            if head.len() < 2 {
                return Ok(Bytes::new());
            }
            let head = std::mem::take(head);
            self.state = if looks_like_zlib(&head) {
                Decoder::Zlib(flate2::write::ZlibDecoder::new(Vec::new()))
            } else {
                // Some servers send raw deflate under this name.
                Decoder::Deflate(flate2::write::DeflateDecoder::new(Vec::new()))
            };
            return self.push(Bytes::from(head));
        }
        if let Decoder::Identity = self.state {
            self.count(chunk.len())?;
            return Ok(chunk);
        }
        let mut out = Vec::new();
        for slice in chunk.chunks(DECODE_SLICE) {
            let mut produced = self.write(slice).map_err(corrupt)?;
            self.count(produced.len())?;
            if out.is_empty() {
                out = produced;
            } else {
                out.append(&mut produced);
            }
        }
        Ok(Bytes::from(out))
    }

    fn count(&mut self, len: usize) -> Result<(), CodecError> {
        self.decoded += len;
        if self.decoded > self.limit {
            return Err(CodecError::TooLarge { limit: self.limit });
        }
        Ok(())
    }

    /// Writes `slice` to the decoder; the output it produced.
    fn write(&mut self, slice: &[u8]) -> std::io::Result<Vec<u8>> {
        // flate2's and zstd's writers keep their output until the next write or a flush.
        let out = match &mut self.state {
            Decoder::Identity | Decoder::DeflateUndecided(_) => unreachable!("handled by push"),
            Decoder::Gzip(d) => d
                .write_all(slice)
                .and_then(|()| d.flush())
                .map(|()| d.get_mut()),
            Decoder::Zlib(d) => d
                .write_all(slice)
                .and_then(|()| d.flush())
                .map(|()| d.get_mut()),
            Decoder::Deflate(d) => d
                .write_all(slice)
                .and_then(|()| d.flush())
                .map(|()| d.get_mut()),
            Decoder::Brotli(d) => d.write_all(slice).map(|()| d.get_mut()),
            Decoder::Zstd(d) => d
                .write_all(slice)
                .and_then(|()| d.flush())
                .map(|()| d.get_mut()),
        }?;
        Ok(std::mem::take(out))
    }

    /// The end of the body: the last decoded bytes, or an error when the coded stream was cut
    /// short.
    pub fn finish(self) -> Result<Bytes, CodecError> {
        let coding = self.coding;
        let corrupt = |source| CodecError::Corrupt { coding, source };
        let out = match self.state {
            Decoder::Identity => Vec::new(),
            Decoder::DeflateUndecided(head) if head.is_empty() => Vec::new(),
            Decoder::DeflateUndecided(_) => {
                return Err(corrupt(std::io::ErrorKind::UnexpectedEof.into()))
            }
            Decoder::Gzip(d) => d.finish().map_err(corrupt)?,
            Decoder::Zlib(d) => d.finish().map_err(corrupt)?,
            Decoder::Deflate(d) => d.finish().map_err(corrupt)?,
            Decoder::Brotli(mut d) => {
                d.close().map_err(corrupt)?;
                d.into_inner()
                    .map_err(|_| corrupt(std::io::ErrorKind::UnexpectedEof.into()))?
            }
            Decoder::Zstd(d) => d.finish().map_err(corrupt)?,
        };
        Ok(Bytes::from(out))
    }
}

/// Encodes a body chunk by chunk at reshelf's level for the coding.
pub struct StreamEncoder {
    state: Encoder,
}

enum Encoder {
    Identity,
    Gzip(flate2::write::GzEncoder<Vec<u8>>),
    Zlib(flate2::write::ZlibEncoder<Vec<u8>>),
    Brotli(Box<brotli::CompressorWriter<Vec<u8>>>),
    Zstd(zstd::stream::write::Encoder<'static, Vec<u8>>),
}

impl StreamEncoder {
    pub fn new(coding: Coding) -> Self {
        let level = flate2::Compression::new(GZIP_LEVEL);
        let state = match coding {
            Coding::Identity => Encoder::Identity,
            Coding::Gzip => Encoder::Gzip(flate2::write::GzEncoder::new(Vec::new(), level)),
            Coding::Deflate => Encoder::Zlib(flate2::write::ZlibEncoder::new(Vec::new(), level)),
            Coding::Brotli => {
                let params = brotli::enc::BrotliEncoderParams {
                    quality: i32::try_from(BROTLI_QUALITY).unwrap_or(11),
                    ..Default::default()
                };
                Encoder::Brotli(Box::new(brotli::CompressorWriter::with_params(
                    Vec::new(),
                    BROTLI_BUFFER,
                    &params,
                )))
            }
            Coding::Zstd => Encoder::Zstd(
                zstd::stream::write::Encoder::new(Vec::new(), ZSTD_LEVEL as i32)
                    .expect("zstd's level range holds reshelf's level"),
            ),
        };
        Self { state }
    }

    /// Encodes `data`; the encoded bytes ready so far (the encoder may keep some back).
    pub fn push(&mut self, data: Bytes) -> Bytes {
        let out = match &mut self.state {
            Encoder::Identity => return data,
            Encoder::Gzip(e) => e.write_all(&data).map(|()| e.get_mut()),
            Encoder::Zlib(e) => e.write_all(&data).map(|()| e.get_mut()),
            Encoder::Brotli(e) => e.write_all(&data).map(|()| e.get_mut()),
            Encoder::Zstd(e) => e.write_all(&data).map(|()| e.get_mut()),
        };
        Bytes::from(std::mem::take(
            out.expect("encoding into memory cannot fail"),
        ))
    }

    /// Everything pushed so far, encoded so the client can decode all of it now.
    pub fn flush(&mut self) -> Bytes {
        let out = match &mut self.state {
            Encoder::Identity => return Bytes::new(),
            Encoder::Gzip(e) => e.flush().map(|()| e.get_mut()),
            Encoder::Zlib(e) => e.flush().map(|()| e.get_mut()),
            Encoder::Brotli(e) => e.flush().map(|()| e.get_mut()),
            Encoder::Zstd(e) => e.flush().map(|()| e.get_mut()),
        };
        Bytes::from(std::mem::take(
            out.expect("encoding into memory cannot fail"),
        ))
    }

    /// The end of the body: the encoder's last bytes.
    pub fn finish(self) -> Bytes {
        let out = match self.state {
            Encoder::Identity => Ok(Vec::new()),
            Encoder::Gzip(e) => e.finish(),
            Encoder::Zlib(e) => e.finish(),
            Encoder::Brotli(e) => Ok(e.into_inner()),
            Encoder::Zstd(e) => e.finish(),
        };
        Bytes::from(out.expect("encoding into memory cannot fail"))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{decode, encode};
    use super::*;

    const ALL: [Coding; 5] = [
        Coding::Identity,
        Coding::Gzip,
        Coding::Deflate,
        Coding::Brotli,
        Coding::Zstd,
    ];

    fn page() -> Vec<u8> {
        (0..400)
            .flat_map(|i| {
                format!("<li data-id=\"{i}\">tile {}</li>\n", i * 7919 % 1000).into_bytes()
            })
            .collect()
    }

    #[test]
    fn decoding_in_any_chunking_gives_the_body() {
        let body = page();
        for coding in ALL {
            let wire = encode(coding, &body);
            for size in [1, 7, 1000, wire.len()] {
                let mut d = StreamDecoder::new(coding, 1 << 20).unwrap();
                let mut out = Vec::new();
                for chunk in wire.chunks(size) {
                    out.extend_from_slice(&d.push(Bytes::copy_from_slice(chunk)).unwrap());
                }
                out.extend_from_slice(&d.finish().unwrap());
                assert!(out == body, "{coding:?} in {size}-byte chunks");
            }
        }
    }

    #[test]
    fn a_cut_stream_is_an_error_at_the_end() {
        let body = page();
        for coding in [Coding::Gzip, Coding::Brotli, Coding::Zstd] {
            let wire = encode(coding, &body);
            let mut d = StreamDecoder::new(coding, 1 << 20).unwrap();
            let pushed = d.push(Bytes::copy_from_slice(&wire[..wire.len() / 2]));
            assert!(pushed.is_ok(), "{coding:?}");
            assert!(
                d.finish().is_err(),
                "{coding:?}: a truncated body must not look whole"
            );
        }
    }

    #[test]
    fn a_bomb_stops_at_the_limit() {
        let bomb = super::super::encode_at(Coding::Zstd, 19, &vec![0u8; 64 << 20]);
        let mut d = StreamDecoder::new(Coding::Zstd, 1 << 20).unwrap();
        let result = d.push(Bytes::from(bomb));
        assert!(matches!(result, Err(CodecError::TooLarge { .. })));
    }

    #[test]
    fn a_flush_makes_everything_so_far_decodable() {
        let body = page();
        let (head, tail) = body.split_at(body.len() / 3);
        for coding in ALL {
            let mut e = StreamEncoder::new(coding);
            let mut wire = e.push(Bytes::copy_from_slice(head)).to_vec();
            wire.extend_from_slice(&e.flush());
            // A client decoding what it has so far sees the whole head.
            let mut d = StreamDecoder::new(coding, 1 << 20).unwrap();
            let early = d.push(Bytes::from(wire.clone())).unwrap();
            assert!(
                early == head,
                "{coding:?}: {} of {} bytes",
                early.len(),
                head.len()
            );
            wire.extend_from_slice(&e.push(Bytes::copy_from_slice(tail)));
            wire.extend_from_slice(&e.finish());
            assert!(
                decode(coding, &wire, 1 << 20).unwrap() == body,
                "{coding:?}"
            );
        }
    }
}
