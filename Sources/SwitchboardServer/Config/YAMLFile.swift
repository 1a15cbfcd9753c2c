import Configuration
import Foundation
import Yams

/// The configuration file, read once with Yams and flattened into dotted
/// keys for swift-configuration.
///
/// swift-configuration's `YAMLSnapshot` refuses lists of mappings, and
/// `sip.routes` is one (SPEC §7: an ordered list of `{match, target,
/// transcode}`). So the file is parsed here: lists of mappings are kept
/// aside as ``lists`` (by dotted key), everything else becomes an
/// `InMemoryProvider` that sits where the file provider would.
struct YAMLFile {
    /// Scalars and scalar lists by dotted key (`pools.transcoder.size`).
    var values: [AbsoluteConfigKey: ConfigValue] = [:]
    /// Lists of mappings by dotted key (`sip.routes`), each mapping flattened.
    var lists: [String: [[String: YAMLEntry]]] = [:]

    /// A flattened value of a list item: a scalar or a list of scalars.
    enum YAMLEntry: Sendable, Hashable {
        case scalar(String)
        case list([String])
    }

    init(path: String) throws(ConfigError) {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigError(key: "(file)", problem: "cannot read \(path): \(error.localizedDescription)")
        }
        let root: Any?
        do { root = try Yams.load(yaml: text) } catch {
            throw ConfigError(key: "(file)", problem: "cannot parse \(path): \(error)")
        }
        guard let root else { return }  // an empty file: all defaults
        guard let mapping = root as? [String: Any] else {
            throw ConfigError(key: "(file)", problem: "\(path): the top level must be a mapping of keys")
        }
        try flatten(mapping, prefix: "")
    }

    private mutating func flatten(_ mapping: [String: Any], prefix: String) throws(ConfigError) {
        for (name, value) in mapping {
            let key = prefix.isEmpty ? name : prefix + "." + name
            switch value {
            case let nested as [String: Any]:
                try flatten(nested, prefix: key)
            case let list as [Any]:
                if list.allSatisfy({ $0 is [String: Any] }), !list.isEmpty {
                    var items: [[String: YAMLEntry]] = []
                    for case let item as [String: Any] in list {
                        var flat: [String: YAMLEntry] = [:]
                        try Self.flattenItem(item, prefix: "", key: key, into: &flat)
                        items.append(flat)
                    }
                    lists[key] = items
                } else {
                    guard let scalars = Self.scalars(list) else {
                        throw ConfigError(key: key, problem: "a list must hold only scalars or only mappings")
                    }
                    values[AbsoluteConfigKey(stringLiteral: key)] = ConfigValue(.stringArray(scalars), isSecret: false)
                }
            case is NSNull:
                continue
            default:
                values[AbsoluteConfigKey(stringLiteral: key)] = ConfigValue(.string(Self.scalar(value)), isSecret: false)
            }
        }
    }

    private static func flattenItem(_ item: [String: Any], prefix: String, key: String, into flat: inout [String: YAMLEntry]) throws(ConfigError) {
        for (name, value) in item {
            let itemKey = prefix.isEmpty ? name : prefix + "." + name
            switch value {
            case let nested as [String: Any]:
                try flattenItem(nested, prefix: itemKey, key: key, into: &flat)
            case let list as [Any]:
                guard let scalars = scalars(list) else {
                    throw ConfigError(key: "\(key).\(itemKey)", problem: "expected a list of scalars")
                }
                flat[itemKey] = .list(scalars)
            case is NSNull:
                continue
            default:
                flat[itemKey] = .scalar(scalar(value))
            }
        }
    }

    private static func scalars(_ list: [Any]) -> [String]? {
        var result: [String] = []
        for element in list {
            if element is [String: Any] || element is [Any] { return nil }
            result.append(scalar(element))
        }
        return result
    }

    private static func scalar(_ value: Any) -> String {
        switch value {
        case let s as String: s
        case let b as Bool: b ? "true" : "false"
        case let i as Int: String(i)
        case let d as Double: String(d)
        default: String(describing: value)
        }
    }
}
