// User messages: what failed for whom, as the API reports it to the project.
import { useEffect, useState } from 'preact/hooks';
import { call, type Message, type Session } from './api';

export function Messages({ session, tick }: { session: Session; tick: number }) {
  const [messages, setMessages] = useState<Message[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call<{ messages: Message[] }>(session, 'GET', '/messages?limit=20&sort=created_at:desc')
      .then((r) => { setMessages(r.messages); setError(null); }, (e: Error) => setError(e.message));
  }, [session, tick]);
  return (
    <section id="messages">
      <h2>User messages</h2>
      {error && <p class="error">{error}</p>}
      {messages && messages.length === 0 && <p>No messages.</p>}
      {messages && messages.length > 0 && (
        <table><thead><tr><th>When</th><th>Resource</th><th>Message</th></tr></thead>
          <tbody>{messages.map((m) => <tr key={m.id}><td class="muted">{m.created_at}</td><td>{m.resource_type} {m.resource_uuid?.slice(0, 8) ?? ''}</td><td>{m.user_message}</td></tr>)}</tbody>
        </table>
      )}
    </section>
  );
}
