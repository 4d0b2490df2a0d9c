import BenchCore
import Foundation

enum FactsDecoding {
    static func decode(_ json: String) -> DeviceFacts? {
        try? JSONDecoder().decode(DeviceFacts.self, from: Data(json.utf8))
    }
}
