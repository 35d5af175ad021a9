import type { PersistMessageJob } from '@chat/contracts';

interface Query {
  label: string;
  q: string;
  /** Messages of the corpus holding it (a whole English word; a pair of Hangul syllables). */
  messages: number;
}

/**
 * How many messages hold each English word and each pair of adjacent Hangul syllables, counted
 * while the corpus is generated, independently of the tokenizer the index uses. The queries are
 * then picked by those counts: the most common term of each language, a common one, a rare one.
 */
export class TermCounts {
  private readonly words = new Map<string, number>();
  private readonly pairs = new Map<string, number>();
  private total = 0;

  *counting(messages: Iterable<PersistMessageJob>): Generator<PersistMessageJob> {
    for (const message of messages) {
      this.count(message.content);
      yield message;
    }
  }

  queries(): Query[] {
    const ranked = (counts: Map<string, number>) => [...counts].sort((a, b) => b[1] - a[1]);
    // A query has two characters at least.
    const words = ranked(this.words).filter(([word]) => word.length > 1);
    const pairs = ranked(this.pairs);
    const query = (label: string, [q, messages]: [string, number]) => ({ label, q, messages });
    const named = (counts: Map<string, number>, q: string): [string, number] => [q, counts.get(q) ?? 0];
    return [
      query('English, a common word', named(this.words, 'meeting')),
      query('English, rank 1,000', words[Math.min(999, words.length - 1)]),
      query('English, the most frequent word of 2+ letters', words[0]),
      query('Korean, a common noun', named(this.pairs, '회의')),
      query('Korean, rank 1,000', pairs[Math.min(999, pairs.length - 1)]),
      query('Korean, the most frequent pair', pairs[0]),
    ];
  }

  describe(): string {
    return `${this.words.size.toLocaleString('en-US')} distinct English words, ${this.pairs.size.toLocaleString('en-US')} distinct Hangul pairs over ${this.total.toLocaleString('en-US')} messages`;
  }

  private count(content: string): void {
    this.total++;
    for (const word of new Set(content.toLowerCase().match(/[a-z0-9]+/g) ?? [])) this.words.set(word, (this.words.get(word) ?? 0) + 1);
    const pairs = new Set<string>();
    for (const run of content.match(/[가-힣]+/g) ?? []) for (let i = 0; i + 1 < run.length; i++) pairs.add(run.slice(i, i + 2));
    for (const pair of pairs) this.pairs.set(pair, (this.pairs.get(pair) ?? 0) + 1);
  }
}
