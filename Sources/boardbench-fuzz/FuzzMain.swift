import Foundation
import FuzzTargets

// Two builds of one file. `scripts/fuzz.sh` compiles with -DBOARDBENCH_FUZZ and
// `--sanitize fuzzer`: then libFuzzer supplies `main` and calls the two C entry points below.
// A plain `swift build` (CI) gets a replayer instead, so the target always builds and a
// crash file can be rerun without the sanitizer: `boardbench-fuzz TARGET FILE...`.

#if BOARDBENCH_FUZZ
    /// Picked once from BOARDBENCH_FUZZ_TARGET (libFuzzer owns the command line).
    private let selected: FuzzTarget? = getenv("BOARDBENCH_FUZZ_TARGET").flatMap { FuzzTarget(rawValue: String(cString: $0)) }

    @_cdecl("LLVMFuzzerInitialize")
    public func fuzzerInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>>>) -> CInt {
        guard selected != nil else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            FileHandle.standardError.write(Data("boardbench-fuzz: set BOARDBENCH_FUZZ_TARGET to one of: \(names)\n".utf8))
            exit(64)
        }
        return 0
    }

    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        guard let selected else { return 0 }
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        if case .broken(let why) = selected.run(bytes) {
            // A broken invariant is a finding: crash so libFuzzer saves the input.
            FileHandle.standardError.write(Data("boardbench-fuzz: \(selected.rawValue): \(why)\n".utf8))
            abort()
        }
        return 0
    }
#else
    /// `boardbench-fuzz TARGET FILE|DIR...`: runs each file (each file of a directory) through the
    /// target and prints what it did; exit 1 if any input broke an invariant, 64 on bad usage.
    @main enum Replay {
        static func main() {
            let args = Array(CommandLine.arguments.dropFirst())
            guard let name = args.first, let target = FuzzTarget(rawValue: name), args.count > 1 else {
                let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
                FileHandle.standardError.write(Data("usage: boardbench-fuzz \(names) FILE|DIR...\n".utf8))
                exit(64)
            }
            var broken = 0
            for path in args.dropFirst() {
                for file in files(path) {
                    guard let bytes = read(file) else {
                        FileHandle.standardError.write(Data("boardbench-fuzz: cannot read \(file)\n".utf8))
                        exit(66)
                    }
                    switch target.run(bytes) {
                    case .accepted: print("\(file): accepted")
                    case .rejected(let why): print("\(file): rejected: \(why.prefix(300))")
                    case .broken(let why):
                        print("\(file): BROKEN: \(why)")
                        broken += 1
                    }
                }
            }
            exit(broken == 0 ? 0 : 1)
        }

        /// The files of `path` (sorted) when it is a directory, else `path` itself.
        static func files(_ path: String) -> [String] {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [path] }
            return names.sorted().map { "\(path)/\($0)" }
        }

        static func read(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map { [UInt8]($0) } }
    }
#endif
