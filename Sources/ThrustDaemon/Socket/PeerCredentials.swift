#if canImport(Glibc)
import Glibc
#endif

/// Who is on the other end of a Unix socket (SO_PEERCRED), and whether they may send control
/// commands: root, the daemon's own user, or a member of the socket's group (primary or
/// supplementary groups, read from /proc/PID/status).
public struct PeerCredentials: Sendable, Equatable, CustomStringConvertible {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    public var description: String { "pid \(pid) uid \(uid)" }

    public func mayControl(groupID: UInt32?, daemonUID: UInt32 = geteuid()) -> Bool {
        if uid == 0 || uid == daemonUID { return true }
        guard let groupID else { return false }
        if gid == groupID { return true }
        // The peer's own supplementary groups when /proc shows them (not under ProtectProc=invisible),
        // else the group database's member list.
        if let groups = Self.supplementaryGroups(pid: pid) { return groups.contains(groupID) }
        return Self.isListedMember(uid: uid, of: groupID)
    }

    /// Whether the user `uid` is listed as a member of group `groupID` in the group database.
    static func isListedMember(uid: UInt32, of groupID: UInt32) -> Bool {
        var user = passwd()
        var userResult: UnsafeMutablePointer<passwd>?
        var userBuffer = [CChar](repeating: 0, count: 16_384)
        guard getpwuid_r(uid, &user, &userBuffer, userBuffer.count, &userResult) == 0, userResult != nil,
              let namePointer = user.pw_name else { return false }
        let name = String(cString: namePointer)
        var group = group()
        var groupResult: UnsafeMutablePointer<group>?
        var groupBuffer = [CChar](repeating: 0, count: 65_536)
        guard getgrgid_r(groupID, &group, &groupBuffer, groupBuffer.count, &groupResult) == 0, groupResult != nil,
              var member = group.gr_mem else { return false }
        while let entry = member.pointee {
            if String(cString: entry) == name { return true }
            member += 1
        }
        return false
    }

    /// The `Groups:` line of /proc/PID/status (nil when unreadable).
    static func supplementaryGroups(pid: Int32) -> [UInt32]? {
        let fd = open("/proc/\(pid)/status", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 8192)
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        let text = String(decoding: bytes[0..<count], as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix("Groups:") {
            return line.dropFirst(7).split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { UInt32($0) }
        }
        return []
    }

    /// The ID of group `name`, or nil when there is no such group.
    public static func groupID(named name: String) -> UInt32? {
        var group = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        let status = getgrnam_r(name, &group, &buffer, buffer.count, &result)
        guard status == 0, result != nil else { return nil }
        return group.gr_gid
    }
}
