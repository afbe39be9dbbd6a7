// What the kernel refuses a simulated enclave's container, so that simulation fails where Gramine
// would. No new privileges ever (the runtime drops root before the app loads; no set-user-id binary
// may bring it back). And, unless the app may start subprocesses (mse.toml's allow_subprocesses),
// a seccomp profile that refuses to create a process as Gramine's `sys.disallow_subprocesses` does:
// fork, vfork and clone without CLONE_THREAD fail with EAGAIN (libos/src/sys/libos_clone.c), threads
// are still created. clone3 answers ENOSYS, as in Docker's default profile, since its flags are out
// of seccomp's reach: the C library then falls back to clone. execve stays allowed: in Gramine it
// replaces the program inside the same enclave, and runc needs it to start the entrypoint.
//
// The Engine API can replace Docker's default seccomp profile, not extend it, so this profile also
// refuses what an unprivileged process could otherwise reach of the kernel and no enclave needs
// (namespaces, mounts, keyrings, tracing, BPF, modules, clocks…), with EPERM as Docker's does.

const EPERM = 1;
const EAGAIN = 11;
const ENOSYS = 38;
const CLONE_THREAD = 0x10000;

/** System calls no enclave makes, refused with EPERM. */
export const REFUSED_SYSCALLS = [
  // namespaces and mounts
  "unshare",
  "setns",
  "mount",
  "umount2",
  "pivot_root",
  "chroot",
  "fsopen",
  "fsconfig",
  "fsmount",
  "fspick",
  "move_mount",
  "open_tree",
  "mount_setattr",
  // kernel keyrings
  "keyctl",
  "add_key",
  "request_key",
  // tracing and introspection of other processes, BPF, userfaultfd
  "ptrace",
  "process_vm_readv",
  "process_vm_writev",
  "kcmp",
  "perf_event_open",
  "bpf",
  "userfaultfd",
  "lookup_dcookie",
  "open_by_handle_at",
  "name_to_handle_at",
  // the machine itself
  "init_module",
  "finit_module",
  "delete_module",
  "kexec_load",
  "kexec_file_load",
  "reboot",
  "swapon",
  "swapoff",
  "acct",
  "quotactl",
  "syslog",
  "vhangup",
  "settimeofday",
  "clock_settime",
  "clock_adjtime",
  "adjtimex",
  "iopl",
  "ioperm",
  "sethostname",
  "setdomainname",
] as const;

/** The seccomp profile (Docker's JSON format) of an enclave that may not start subprocesses. */
export function noSubprocessSeccompProfile(): Record<string, unknown> {
  return {
    defaultAction: "SCMP_ACT_ALLOW",
    syscalls: [
      { names: ["fork", "vfork"], action: "SCMP_ACT_ERRNO", errnoRet: EAGAIN },
      {
        names: ["clone"],
        action: "SCMP_ACT_ERRNO",
        errnoRet: EAGAIN,
        // flags & CLONE_THREAD == 0: a new process, not a thread.
        args: [{ index: 0, value: CLONE_THREAD, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }],
      },
      { names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: ENOSYS },
      { names: [...REFUSED_SYSCALLS], action: "SCMP_ACT_ERRNO", errnoRet: EPERM },
    ],
  };
}

/** HostConfig.SecurityOpt of a simulated enclave's container. */
export function simulatedEnclaveSecurityOptions(options: { subprocesses: boolean }): string[] {
  const security = ["no-new-privileges"];
  if (!options.subprocesses) security.push(`seccomp=${JSON.stringify(noSubprocessSeccompProfile())}`);
  return security;
}
