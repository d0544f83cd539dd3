/** /sources: the documents in the library, with date and 文号. */
import { Composer } from 'grammy';
import { sendChunks } from '../answer.ts';
import type { BotContext } from '../context.ts';
import { renderSources } from '../format.ts';

/** The /sources command. */
export const sourcesFeature = new Composer<BotContext>();

sourcesFeature.command('sources', async (ctx) => {
  const chunks = renderSources(ctx.deps.assistant.sources());
  await sendChunks(ctx, chunks, { replyTo: ctx.chat.type === 'private' ? undefined : ctx.msg.message_id });
});
