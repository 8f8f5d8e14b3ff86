//! Reading asset files' bytes: PNG images and the tunables file. Both get
//! whatever an editor or a tool left on disk, so both refuse with a reason
//! rather than panic.

use std::collections::HashMap;

use super::LoadedImage;

/// Largest decoded image accepted.
const MAX_IMAGE_BYTES: usize = 64 << 20;

/// Decodes a PNG file into RGBA8.
///
/// # Errors
/// What is wrong with the file.
pub fn decode_png(bytes: &[u8]) -> Result<LoadedImage, String> {
    use png::{ColorType, Transformations};
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(Transformations::normalize_to_color8());
    let mut reader = decoder
        .read_info()
        .map_err(|e| format!("not a valid PNG ({e})"))?;
    let size = reader.output_buffer_size().ok_or("image too large")?;
    if size > MAX_IMAGE_BYTES {
        return Err("image larger than 64 MiB".into());
    }
    let mut buffer = vec![0; size];
    let info = reader
        .next_frame(&mut buffer)
        .map_err(|e| format!("damaged PNG ({e})"))?;
    buffer.truncate(info.buffer_size());
    let pixels = match info.color_type {
        ColorType::Rgba => buffer,
        ColorType::Rgb => buffer
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        ColorType::Grayscale => buffer.iter().flat_map(|&g| [g, g, g, 255]).collect(),
        ColorType::GrayscaleAlpha => buffer
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0], p[1]])
            .collect(),
        ColorType::Indexed => return Err("palette not expanded".into()),
    };
    LoadedImage::new(pixels, info.width, info.height)
        .map_err(|e| format!("decoded to the wrong size ({e})"))
}

/// Parses the tunables file: numbers, at any depth of tables (`a.b = 1`).
///
/// # Errors
/// A TOML syntax error, or the name of a value that is not a number.
pub fn parse_tunables(text: &str) -> Result<HashMap<String, f64>, String> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| format!("not valid TOML: {}", e.message()))?;
    let mut tunables = HashMap::new();
    flatten("", &table, &mut tunables)?;
    Ok(tunables)
}

fn flatten(
    prefix: &str,
    table: &toml::Table,
    out: &mut HashMap<String, f64>,
) -> Result<(), String> {
    for (key, value) in table {
        let name = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Integer(n) => {
                out.insert(name, *n as f64);
            }
            toml::Value::Float(x) => {
                out.insert(name, *x);
            }
            toml::Value::Table(inner) => flatten(&name, inner, out)?,
            other => return Err(format!("`{name}` is a {}, not a number", other.type_str())),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tunables_are_numbers_by_dotted_name() {
        let tunables = parse_tunables("speed = 2\n[player]\naccel = 900.5\n").unwrap();
        assert_eq!(tunables["speed"], 2.0);
        assert_eq!(tunables["player.accel"], 900.5);
    }

    #[test]
    fn bad_tunables_say_what_is_wrong() {
        assert!(
            parse_tunables("speed = ")
                .unwrap_err()
                .contains("not valid TOML")
        );
        assert!(
            parse_tunables("name = \"orb\"")
                .unwrap_err()
                .contains("`name` is a string, not a number")
        );
    }

    proptest::proptest! {
        /// Arbitrary text never panics the tunables parser.
        #[test]
        fn arbitrary_tunables_never_panic(text in "\\PC{0,200}") {
            let _ = parse_tunables(&text);
        }

        /// Arbitrary bytes never panic the PNG decoder.
        #[test]
        fn arbitrary_png_bytes_never_panic(data in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let _ = decode_png(&data);
        }
    }

    /// Deep nesting is refused by the TOML parser itself: the fuzz target's
    /// inputs (4 KiB) cannot nest deep enough to find out, and the asset
    /// thread's stack is only 2 MiB.
    #[test]
    fn deeply_nested_tunables_are_refused_not_a_stack_overflow() {
        let nested = [
            format!("{}a = 1", "a.".repeat(100_000)),
            format!("a = {}1{}", "{a = ".repeat(100_000), "}".repeat(100_000)),
            format!("[{}a]\nb = 1", "a.".repeat(100_000)),
        ];
        let parsed = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || nested.map(|text| parse_tunables(&text).map(|t| t.len())))
            .unwrap()
            .join()
            .expect("the parser thread ends (a stack overflow would abort the test binary)");
        for result in parsed {
            assert!(result.unwrap_err().contains("not valid TOML"));
        }
    }

    #[test]
    fn bad_png_is_refused() {
        assert!(
            decode_png(b"not a png")
                .unwrap_err()
                .contains("not a valid PNG")
        );
        assert!(decode_png(&[]).is_err());
    }

    #[test]
    fn a_png_decodes_to_width_times_height_rgba_pixels() {
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, 3, 2);
        encoder.set_color(png::ColorType::Rgb);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&[9; 3 * 2 * 3]).unwrap();
        writer.finish().unwrap();
        let image = decode_png(&bytes).unwrap();
        assert_eq!((image.width(), image.height()), (3, 2));
        assert_eq!(image.pixels().len(), 3 * 2 * 4);
        assert_eq!(image.pixels()[..4], [9, 9, 9, 255]);
    }
}
