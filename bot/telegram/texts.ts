/**
 * User-facing Chinese copy of the Telegram bot and the command lists for `setMyCommands`.
 * Kept in one place so wording can be reviewed without reading the handlers.
 */

/** Example questions offered as buttons on /start. */
export const EXAMPLE_QUESTIONS = [
  '我是世界排名前50的大学毕业，在上海全职工作，能直接落户吗？',
  '留学回国人员申请落户需要缴纳多久社保？',
  '宝山区对博士后有什么资助？',
];

/** The message sent to the assistant when a guided check starts (/check, /start check). */
export const CHECK_PROMPT = '我想核对一下自己是否符合留学回国人员落户条件';

export const T = {
  welcome:
    '您好！我是上海人才政策助手，可以回答落户、社保、人才资助等政策问题，并引用原文条款。\n\n' +
    '直接发送您的问题即可，或点下面的例子试试。发送 /check 逐步核对落户条件。',
  help: [
    '<b>使用方法</b>',
    '直接用文字提问，我会引用政策原文回答。',
    '',
    '/check — 逐步核对落户条件',
    '/sources — 查看资料库中的政策文件',
    '/subscribe — 订阅政策更新（可选主题）',
    '/unsubscribe — 取消订阅',
    '/forget — 清除我记住的您的信息',
    '',
    '在群里：@我 提问、回复我的消息，或发送 /ask 问题。',
    '本助手仅供参考，以主管部门最终解释为准；也可拨打 12333 咨询。',
  ].join('\n'),
  groupHelp: '在群里可以 @我 提问、回复我的消息，或发送 /ask 问题。涉及个人情况的核对请私聊我。',
  askUsage: '用法：/ask 您的问题，例如 /ask 留学回国人员落户需要哪些材料？',
  nonText: '目前我只能阅读文字消息，请用文字描述您的问题。',
  forwarded: '（已按转发的内容回答）',
  unknownCommand: '没有这个命令。发送 /help 查看可用命令。',
  forgotten: '已清除我记住的您的信息。',
  expired: '已过期，请重新开始',
  checkInGroup: '个人资格核对请私聊我，以免在群里公开您的个人信息：',
  checkPrivateButton: '私聊核对我的情况',
  rateLimited: '您发送得太快了，请稍等一分钟再继续提问。',
  error: '抱歉，处理您的消息时出了点问题，请稍后再试。',
  adminOnly: '此命令仅限管理员使用。',
  reloadStarted: '正在重新导入资料库…',
  reloadNotConfigured: '重新导入未配置。',
  broadcastUsage: '用法：/broadcast 要发送的内容',
  broadcastNotConfigured: '广播功能尚未配置。',
  subscribeIntro: '已订阅政策更新。点击下面的主题可开启或关闭（✅ 为已选）：',
  subscribeGroupAdminsOnly: '只有本群管理员可以为群订阅或退订。',
  unsubscribed: '已退订，不会再收到政策更新。需要时发送 /subscribe 重新订阅。',
  notSubscribed: '您还没有订阅。发送 /subscribe 订阅政策更新。',
  subscribeDone: '好的，订阅主题已保存：',
  sourcesEmpty: '资料库中暂无文件。',
} as const;

/** Commands shown in private chats (setMyCommands, scope all_private_chats). */
export const PRIVATE_COMMANDS = [
  { command: 'start', description: '开始使用' },
  { command: 'check', description: '逐步核对落户条件' },
  { command: 'sources', description: '资料库中的政策文件' },
  { command: 'subscribe', description: '订阅政策更新' },
  { command: 'unsubscribe', description: '取消订阅' },
  { command: 'forget', description: '清除我记住的信息' },
  { command: 'help', description: '使用帮助' },
];

/** Commands shown in groups (scope all_group_chats). */
export const GROUP_COMMANDS = [
  { command: 'ask', description: '提问，例如 /ask 落户需要哪些材料' },
  { command: 'sources', description: '资料库中的政策文件' },
  { command: 'subscribe', description: '为本群订阅政策更新（管理员）' },
  { command: 'unsubscribe', description: '为本群取消订阅（管理员）' },
  { command: 'help', description: '使用帮助' },
];
