package spine.drivers.kernel;

/** Names for the errno values Spine reports, so logs say ENOENT rather than 2. */
final class Errno {
    private Errno() {}

    static String name(int errno) {
        return switch (errno) {
            case 1 -> "EPERM";
            case 2 -> "ENOENT";
            case 3 -> "ESRCH";
            case 4 -> "EINTR";
            case 5 -> "EIO";
            case 6 -> "ENXIO";
            case 10 -> "ECHILD";
            case 13 -> "EACCES";
            case 16 -> "EBUSY";
            case 17 -> "EEXIST";
            case 19 -> "ENODEV";
            case 20 -> "ENOTDIR";
            case 22 -> "EINVAL";
            case 25 -> "ENOTTY";
            case 28 -> "ENOSPC";
            case 30 -> "EROFS";
            case 38 -> "ENOSYS";
            case 40 -> "ELOOP";
            case 95 -> "EOPNOTSUPP";
            case 110 -> "ETIMEDOUT";
            case 122 -> "EDQUOT";
            default -> "errno" + errno;
        };
    }
}
