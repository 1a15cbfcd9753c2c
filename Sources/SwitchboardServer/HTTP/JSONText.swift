import PortProtocol

// The byte-level JSON writer moved to PortProtocol (JSONBytes.swift), shared
// with the workers; this name keeps this module's files as they were.
typealias JSONText = PortProtocol.JSONText
