import PortProtocol

// The byte-level JSON reader moved to PortProtocol (JSONBytes.swift), shared
// with the workers; these names keep this module's files as they were.
typealias JSONScanner = PortProtocol.JSONScanner
typealias KeySet = PortProtocol.JSONKeySet

/// `key == "name"` in this module's files that do not import PortProtocol
/// (an operator of an imported type is only found where its module is imported).
func == (key: JSONScanner.Key, name: StaticString) -> Bool { key.matches(name) }
