package com.finehero.server.tasks;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import com.finehero.api.auth.v1.Role;
import com.finehero.api.tasks.v1.Task;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.security.Principal;

/**
 * Who may submit which task types, and see and change which tasks; decisions only, no I/O.
 * <ul>
 *   <li>Submit: the type's {@link TaskType.Submitters}; an internal type only through the system path.</li>
 *   <li>See (get, list, watch): admins and analysts every task, everyone else their own. Another
 *       caller's task is NOT_FOUND to them, as if absent, so ids cannot be probed.</li>
 *   <li>Change (cancel, retry): admins every task, other callers their own if they hold a submitter
 *       role of its type other than analyst; analysts read and change nothing; internal types nobody.</li>
 * </ul>
 */
final class TaskAccess {

    private TaskAccess() {
    }

    /** Whether the caller sees every submitter's tasks. */
    static boolean seesEveryTask(Principal caller) {
        return caller.credential() == Principal.Credential.SYSTEM || caller.has(Role.ROLE_ADMIN) || caller.has(Role.ROLE_ANALYST);
    }

    /** The submitter a caller's ListTasks is limited to; null = every submitter. */
    static String listedSubmitter(Principal caller) {
        return seesEveryTask(caller) ? null : caller.subject();
    }

    static boolean sees(Principal caller, Task task) {
        return sees(caller, task.getSubmitter());
    }

    /** Whether the caller sees a task of this submitter (the event feed knows only the submitter). */
    static boolean sees(Principal caller, String submitter) {
        return seesEveryTask(caller) || submitter.equals(caller.subject());
    }

    /** PERMISSION_DENIED unless the caller may queue tasks of this type. */
    static void checkSubmit(Principal caller, TaskType type) {
        if (caller.credential() == Principal.Credential.SYSTEM) {
            return;
        }
        switch (type.submitters()) {
            case TaskType.Submitters.InternalOnly internal -> throw new FineHeroException.PermissionDenied("TASK_TYPE_INTERNAL",
                    "task type " + type.name() + " is scheduled by the server only; no caller may submit it");
            case TaskType.Submitters.AnyRole any -> {
                if (any.roles().stream().noneMatch(caller::has)) {
                    throw new FineHeroException.PermissionDenied("TASK_TYPE_NOT_ALLOWED", "task type " + type.name()
                            + " may be submitted by " + names(any.roles()) + " (caller has: " + names(caller.roles()) + ")");
                }
            }
        }
    }

    /**
     * NOT_FOUND for a task the caller does not see; PERMISSION_DENIED for one they see but may not
     * {@code action} (cancel, retry).
     *
     * @param type  the task's declaration, empty when this instance does not know the type
     */
    static void checkChange(Principal caller, Task task, Optional<TaskType> type, String action) {
        if (!sees(caller, task)) {
            throw FineHeroException.notFound("task", task.getId());
        }
        if (caller.credential() == Principal.Credential.SYSTEM) {
            return;
        }
        if (type.isPresent() && type.get().submitters() instanceof TaskType.Submitters.InternalOnly) {
            throw new FineHeroException.PermissionDenied("TASK_TYPE_INTERNAL", "task type " + task.getType()
                    + " is run by the server only; no caller may " + action + " it");
        }
        if (caller.has(Role.ROLE_ADMIN)) {
            return;
        }
        Set<Role> changers = type.map(t -> ((TaskType.Submitters.AnyRole) t.submitters()).roles())
                .map(EnumSet::copyOf).orElse(EnumSet.of(Role.ROLE_VIEWER, Role.ROLE_API_USER));
        changers.remove(Role.ROLE_ANALYST);
        if (!task.getSubmitter().equals(caller.subject()) || changers.stream().noneMatch(caller::has)) {
            throw new FineHeroException.PermissionDenied("TASK_READ_ONLY", "you may read task " + task.getId()
                    + " but not " + action + " it (" + action + " is for its submitter, with role "
                    + (changers.isEmpty() ? "ADMIN" : names(changers) + " or ADMIN") + ")");
        }
    }

    private static String names(Set<Role> roles) {
        return roles.isEmpty() ? "none" : roles.stream().map(r -> r.name().substring("ROLE_".length())).sorted()
                .collect(Collectors.joining(", "));
    }
}
