import type { ReplyRef } from '@chat/contracts';
import { splitMentions } from './mentions';

/** A message's text with its `@nickname` mentions emphasised, the one of me (`myName`) the more. */
export function MessageText({ text, mentioned, myName }: { text: string; mentioned: string[]; myName: string }) {
  return (
    <p className="content">
      {splitMentions(text, mentioned).map((part, i) =>
        part.mention ? (
          <strong key={i} className={part.text === `@${myName}` ? 'mention me' : 'mention'}>
            {part.text}
          </strong>
        ) : (
          part.text
        ),
      )}
    </p>
  );
}

interface QuoteProps {
  quote: ReplyRef;
  author: string;
  /** Brings the quoted message into view; without it (a reply still being sent) the quote is not a control. */
  onShow?: (seq: number) => void;
}

/** The quoted message above a reply; a click brings it into view. A deleted one is said to be. */
export function ReplyQuote({ quote, author, onShow }: QuoteProps) {
  if (quote.excerpt === null || !onShow)
    return (
      <p className={quote.excerpt === null ? 'quote gone' : 'quote'}>
        <span className="sr-only">In reply to </span>
        <span className="quote-author">{author}</span>
        <span className="quote-text">{quote.excerpt ?? 'Message deleted'}</span>
      </p>
    );
  return (
    <button type="button" className="quote" aria-label={`In reply to ${author}: ${quote.excerpt}`} onClick={() => onShow(quote.seq)}>
      <span className="quote-author">{author}</span>
      <span className="quote-text">{quote.excerpt}</span>
    </button>
  );
}
