/**
 * Who acted, in one line for people (the CLI, the web console): the subject, and the agents acting for
 * it when there are any, the one acting now last: `alice via agent-one, agent-two`.
 */
export function actingFor(identity: { subject: string; actors?: ReadonlyArray<{ subject: string }> }): string {
  const agents = identity.actors ?? [];
  return agents.length === 0 ? identity.subject : `${identity.subject} via ${agents.map((a) => a.subject).join(", ")}`;
}
