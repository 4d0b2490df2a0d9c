/// Layout constants of the plan container (docs/formats.md, "Plan format").
///
///     0   magic        8 bytes  89 42 42 50 4C 41 4E 0A  ("\x89BBPLAN\n", PNG-style: catches
///                                text-mode transfers and truncation at the first byte)
///     8   version      u16      1 or 2 (see below)
///     10  flags        u16      0
///     12  sections     u32      number of section table entries
///     16  fileSize     u64      total bytes, so truncation is detected before parsing
///     24  headerCRC    u32      CRC-32 of bytes 0..<24 and of the section table
///     28  reserved     u32      0
///     32  section table: per section 24 bytes: kind (4 ASCII bytes), crc32 u32, offset u64, length u64
///     ... sections, each starting at a 64-byte-aligned offset
///
/// Versions: `storedWeightsVersion` (1) has sections GRPH and WGHT, and WGHT holds every
/// weight byte. `generatedWeightsVersion` (2) adds FILL, which lists the runs of weights that
/// are seeded random values (`Graph.generatedWeights`); WGHT then holds only the bytes outside
/// those runs, packed in order, and the decoder regenerates the rest. The encoder writes
/// version 1 whenever a graph has no generated weights, so those plans keep their bytes (and
/// hashes) and older agents still read them.
///
/// FILL: totalWeightBytes u64, fill count u32, reserved u32 (0), then per fill 32 bytes:
/// offset u64 (bytes into the weights), count u64 (float32 values), seed u64, bound f32,
/// reserved u32 (0).
public enum PlanFormat {
    public static let magic: [UInt8] = [0x89, 0x42, 0x42, 0x50, 0x4C, 0x41, 0x4E, 0x0A]
    /// Every weight byte is stored.
    public static let storedWeightsVersion = 1
    /// Seeded weights are stored as fills (FILL section) and regenerated when decoding.
    public static let generatedWeightsVersion = 2
    /// The newest version this build reads; it reads every version from 1 up.
    public static let version = generatedWeightsVersion
    static let headerSize = 32
    static let sectionEntrySize = 24
    static let alignment = 64
    /// Plans larger than this are refused (weights included): 2 GiB.
    public static let maxFileSize = 1 << 31
    /// A decoded plan's weights never exceed this, however few bytes a version 2 plan spends
    /// on them: the same limit a version 1 plan has, so a small file cannot make a board
    /// allocate more than a large one could.
    public static let maxWeightsSize = maxFileSize
    static let fillHeaderSize = 16
    static let fillEntrySize = 32

    /// Section kinds, as stored (four ASCII bytes).
    enum Section: String, CaseIterable {
        case graph = "GRPH"
        case weights = "WGHT"
        case fills = "FILL"

        var tag: UInt32 {
            var v: UInt32 = 0
            for (i, b) in rawValue.utf8.enumerated() { v |= UInt32(b) << (8 * i) }
            return v
        }
    }
}
