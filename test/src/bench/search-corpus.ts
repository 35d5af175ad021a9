/**
 * Chat text for the search benchmark: half Korean, four in ten English, the rest Korean with an
 * English word in it, from a seeded generator so every run searches the same corpus. Words are
 * drawn with Zipf-like frequencies (the r-th most common word about 1/r as often as the first)
 * over a vocabulary with a long tail: a few hundred common words, then made-up ones (names,
 * jargon, typos) built from common syllables. Korean sentences are common nouns with particles,
 * adverbs and conjugated verbs, so its character pairs are as skewed as real text's (`어요`,
 * `니다` everywhere, most nouns rare).
 */

const ENGLISH_HEAD = `i you the to a and it is that we for in on this be can at me so have my do not
of just what ok will with are but was no get if all about now up there out your think know
yes go how one when they like time good see today meeting tomorrow need can't it's don't
let's please thanks sure here call would should could did lunch team work going back new
some then also right send from check done more project update let want still going why
really yeah call an our us make take today's look week day by has been any who which
great will them their than please later soon first last next thing way sorry hey hi
morning night doc docs link file review pr deploy build test fix bug issue release
server client api database query cache redis mysql node search index page user users
room rooms message messages chat read write open close start stop plan notes agenda
friday monday tuesday wednesday thursday weekend office home remote slack email phone
ready wait minute minutes hour hours again already maybe probably actually though
number list share screen talk discuss question answer idea problem solution status
report numbers budget sales customer customers support ticket tickets deadline schedule
moved cancel cancelled confirm confirmed approve approved merge merged branch main
staging production prod logs error errors alert alerts metrics dashboard graph latency
slow fast down working broken fixed restart restarted config settings token login
password account access permission team's manager design draft final version review
coffee dinner break trip flight hotel birthday party movie game music book weather rain`;

const KOREAN_NOUNS = `회의 오늘 내일 시간 사람 점심 회사 일정 프로젝트 문제 생각 친구 주말 저녁 커피 자료 보고서
메일 전화 이번 다음 주 어제 아침 지금 확인 준비 시작 진행 결과 내용 파일 링크 공유 일 사진
배포 서버 테스트 버그 수정 리뷰 코드 기능 화면 디자인 고객 문의 답변 요청 승인 예산 매출 계획
발표 자료실 회의실 사무실 집 출근 퇴근 휴가 출장 비행기 호텔 생일 파티 영화 게임 음악 책 날씨 비
팀 팀장 부장 대리 선배 후배 엄마 아빠 동생 가족 밥 술 카페 식당 메뉴 주문 배달 택시 버스 지하철 역
월요일 화요일 수요일 목요일 금요일 토요일 일요일 오전 오후 저번 담주 이따 나중 처음 마지막 정리 공지 안건`;

/** Particles as [after a final consonant, after a vowel]: 회의는 but 일정은. */
const KOREAN_PARTICLES: [string, string][] = [
  ['은', '는'],
  ['이', '가'],
  ['을', '를'],
  ['과', '와'],
  ['으로', '로'],
  ['에', '에'],
  ['에서', '에서'],
  ['도', '도'],
  ['하고', '하고'],
  ['의', '의'],
  ['만', '만'],
  ['까지', '까지'],
  ['', ''],
];

const KOREAN_VERBS = `했어요 할게요 해요 합니다 했습니다 하세요 할까요 해주세요 갈게요 왔어요 가요 와요 먹었어요 먹어요
봤어요 볼게요 있어요 없어요 좋아요 괜찮아요 알겠습니다 알겠어요 몰라요 만나요 끝났어요 시작할게요
보낼게요 보냈어요 확인했습니다 확인할게요 준비할게요 기다릴게요 드릴게요 주세요 됐어요 돼요 안돼요
맞아요 그래요 싶어요 같아요 있나요 없나요 되나요 하나요 했나요 감사합니다 고마워요 미안해요 죄송합니다
부탁드립니다 부탁해요 올릴게요 올렸어요 바꿨어요 바꿀게요 늦을게요 도착했어요 출발해요 잘게요`;

const KOREAN_ADVERBS = `네 아 진짜 너무 정말 그럼 혹시 지금 빨리 조금 다시 같이 먼저 이미 아직 벌써 계속 그냥 완전 좀 꼭
ㅋㅋ ㅋㅋㅋ ㅎㅎ 아니 음 오 와 헐 대박 그리고 근데 그래서 아마`;

const SYLLABLES =
  '가나다라마바사아자차카타파하고노도로모보소오조초코토포호구누두루무부수우주추쿠투푸후기니디리미비시이지치키티피히거너더러머버서어저처커터퍼허민준서연지훈현우은영수진';
const LATIN_SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ne',
  'ra',
  'to',
  'zu',
  'be',
  'vi',
  'qu',
  'xen',
  'dor',
  'pli',
  'sta',
  'tron',
  'gel',
  'fyn',
  'mar',
];

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws indexes 0 … n−1 with weight 1 / (rank + 1)^exponent. */
class Zipf {
  private readonly cumulative: Float64Array;

  constructor(n: number, exponent: number) {
    this.cumulative = new Float64Array(n);
    let sum = 0;
    for (let r = 0; r < n; r++) this.cumulative[r] = sum += 1 / (r + 1) ** exponent;
  }

  draw(random: () => number): number {
    const target = random() * this.cumulative[this.cumulative.length - 1];
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.cumulative[mid] < target) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

/** A vocabulary: its common words, then `tail` made-up ones, drawn Zipf-like. */
class Vocabulary {
  readonly words: string[];
  private readonly zipf: Zipf;

  constructor(head: string[], exponent: number, tail?: { size: number; make: () => string }) {
    const words = new Set(head);
    while (tail && words.size < head.length + tail.size) words.add(tail.make());
    this.words = [...words];
    this.zipf = new Zipf(this.words.length, exponent);
  }

  draw(random: () => number): string {
    return this.words[this.zipf.draw(random)];
  }
}

const split = (list: string) => list.split(/\s+/).filter(Boolean);

export class Corpus {
  private readonly random: () => number;
  readonly english: Vocabulary;
  readonly koreanNouns: Vocabulary;
  private readonly verbs: Vocabulary;
  private readonly adverbs: Vocabulary;

  constructor(seed = 1) {
    this.random = seededRandom(seed);
    const pick = <T>(items: readonly T[]) => items[Math.floor(this.random() * items.length)];
    const latinWord = () => Array.from({ length: 2 + Math.floor(this.random() * 3) }, () => pick(LATIN_SYLLABLES)).join('');
    const koreanWord = () => Array.from({ length: 2 + Math.floor(this.random() * 2) }, () => pick([...SYLLABLES])).join('');
    this.english = new Vocabulary(split(ENGLISH_HEAD), 1.05, { size: 30_000, make: latinWord });
    this.koreanNouns = new Vocabulary(split(KOREAN_NOUNS), 1, { size: 20_000, make: koreanWord });
    this.verbs = new Vocabulary(split(KOREAN_VERBS), 1);
    this.adverbs = new Vocabulary(split(KOREAN_ADVERBS), 1);
  }

  /** One chat message. */
  message(): string {
    const kind = this.random();
    if (kind < 0.5) return this.korean();
    if (kind < 0.9) return this.englishText();
    return `${this.korean()} ${this.english.draw(this.random)}`;
  }

  private englishText(): string {
    const length = 2 + Math.floor(-Math.log(1 - this.random()) * 6);
    return Array.from({ length: Math.min(length, 40) }, () => this.english.draw(this.random)).join(' ');
  }

  private korean(): string {
    const clauses = 1 + Math.floor(this.random() * this.random() * 3);
    return Array.from({ length: clauses }, () => this.clause()).join(' ');
  }

  private clause(): string {
    const words: string[] = [];
    if (this.random() < 0.4) words.push(this.adverbs.draw(this.random));
    const nouns = 1 + Math.floor(this.random() * 3);
    for (let i = 0; i < nouns; i++) {
      const noun = this.koreanNouns.draw(this.random);
      const [afterConsonant, afterVowel] = KOREAN_PARTICLES[Math.floor(this.random() * KOREAN_PARTICLES.length)];
      words.push(noun + (hasFinalConsonant(noun) ? afterConsonant : afterVowel));
    }
    words.push(this.verbs.draw(this.random));
    return words.join(' ');
  }
}

/** Whether a Hangul syllable ends in a consonant (batchim): its offset from 가 is not a multiple of 28. */
function hasFinalConsonant(word: string): boolean {
  const code = word.charCodeAt(word.length - 1) - 0xac00;
  return code >= 0 && code < 11172 && code % 28 !== 0;
}
