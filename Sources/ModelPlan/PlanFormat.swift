/// Layout constants of the plan container (docs/formats.md, "Plan format").
///
///     0   magic        8 bytes  89 42 42 50 4C 41 4E 0A  ("\x89BBPLAN\n", PNG-style: catches
///                                text-mode transfers and truncation at the first byte)
///     8   version      u16      1
///     10  flags        u16      0
///     12  sections     u32      number of section table entries
///     16  fileSize     u64      total bytes, so truncation is detected before parsing
///     24  headerCRC    u32      CRC-32 of bytes 0..<24 and of the section table
///     28  reserved     u32      0
///     32  section table: per section 24 bytes: kind (4 ASCII bytes), crc32 u32, offset u64, length u64
///     ... sections, each starting at a 64-byte-aligned offset
public enum PlanFormat {
    public static let magic: [UInt8] = [0x89, 0x42, 0x42, 0x50, 0x4C, 0x41, 0x4E, 0x0A]
    public static let version = 1
    static let headerSize = 32
    static let sectionEntrySize = 24
    static let alignment = 64
    /// Plans larger than this are refused (weights included): 2 GiB.
    public static let maxFileSize = 1 << 31

    /// Section kinds, as stored (four ASCII bytes).
    enum Section: String, CaseIterable {
        case graph = "GRPH"
        case weights = "WGHT"

        var tag: UInt32 {
            var v: UInt32 = 0
            for (i, b) in rawValue.utf8.enumerated() { v |= UInt32(b) << (8 * i) }
            return v
        }
    }
}
