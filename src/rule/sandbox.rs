//! The sandbox a rule runs in: a fresh Luau state with only safe libraries, a memory cap and
//! a time budget.
//!
//! Luau's own sandbox mode makes every library and built-in metatable read-only, so one rule
//! cannot patch `string` for the next; a fresh state per evaluation means nothing a rule
//! leaves behind survives it either. The budget is enforced by Luau's interrupt, which fires
//! at loop back-edges, calls and inside pattern matching, so no Luau code can outrun it.

use mlua::{Lua, LuaOptions, StdLib, VmState};
use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// The most memory one rule's state may hold.
pub const MEMORY_LIMIT: usize = 16 * 1024 * 1024;

/// How long one rule may run, from loading its file to the end of `check`.
pub const TIME_BUDGET: Duration = Duration::from_millis(100);

/// Globals that would let a rule escape: load code, reach the environment of other
/// functions, or inspect the VM.
const REMOVED_GLOBALS: &[&str] = &[
    "require",
    "loadstring",
    "load",
    "dofile",
    "getfenv",
    "setfenv",
    "collectgarbage",
    "gcinfo",
    "debug",
    "newproxy",
];

/// A state ready to run one rule, and the clock of its budget.
pub struct Sandbox {
    /// The Luau state.
    pub lua: Lua,
    /// `table.freeze` as the state was made, before any rule code could shadow it.
    pub freeze: mlua::Function,
    /// `setmetatable`, likewise.
    pub setmetatable: mlua::Function,
    budget: Rc<Clock>,
}

/// When the budget runs out and where the rule was when it did.
struct Clock {
    deadline: Cell<Instant>,
    stopped_at_line: Cell<Option<usize>>,
}

impl Sandbox {
    /// Creates a state with the safe libraries, the limits, and `print` sent to the log
    /// under `rule`. The budget starts now.
    pub fn new(rule: &str, budget: Duration) -> mlua::Result<Sandbox> {
        let libs = StdLib::COROUTINE
            | StdLib::TABLE
            | StdLib::OS
            | StdLib::STRING
            | StdLib::UTF8
            | StdLib::BIT
            | StdLib::MATH
            | StdLib::BUFFER;
        let lua = Lua::new_with(libs, LuaOptions::new())?;
        let globals = lua.globals();
        let freeze = globals
            .get::<mlua::Table>("table")?
            .get::<mlua::Function>("freeze")?;
        let setmetatable = globals.get::<mlua::Function>("setmetatable")?;
        for name in REMOVED_GLOBALS {
            globals.raw_set(*name, mlua::Nil)?;
        }
        let label = rule.to_string();
        let print = lua.create_function(move |_, args: mlua::Variadic<mlua::Value>| {
            let line: Vec<String> = args
                .iter()
                .map(|v| v.to_string().unwrap_or_else(|e| format!("<{e}>")))
                .collect();
            tracing::info!(rule = %label, "print: {}", line.join("\t"));
            Ok(())
        })?;
        globals.raw_set("print", print)?;
        let budget = Rc::new(Clock {
            deadline: Cell::new(Instant::now() + budget),
            stopped_at_line: Cell::new(None),
        });
        let watch = Rc::clone(&budget);
        lua.set_interrupt(move |lua| {
            if Instant::now() < watch.deadline.get() {
                return Ok(VmState::Continue);
            }
            if watch.stopped_at_line.get().is_none() {
                // The interrupt is not a call, so level 0 is the Luau function that ran. The
                // closure stays: the method path is not general over the frame's lifetime.
                #[allow(clippy::redundant_closure_for_method_calls)]
                let line = (0..3)
                    .find_map(|level| lua.inspect_stack(level, |d| d.current_line()).flatten());
                watch.stopped_at_line.set(line);
            }
            Err(mlua::Error::runtime(OVER_BUDGET))
        });
        lua.set_memory_limit(MEMORY_LIMIT)?;
        Ok(Sandbox {
            lua,
            freeze,
            setmetatable,
            budget,
        })
    }

    /// Gives the rule the clock of the evaluation: `os.time()` and `os.date(fmt)` without
    /// a time read `now` (the snapshot's, or `--now`), so `rules test` and `rules replay`
    /// can move it; `os.clock()`, which only real time could answer, is an error that
    /// points to `s.now`. `os.time(table)` and `os.date(fmt, t)` work as in Luau.
    pub(crate) fn pin_clock(&self, now: i64) -> mlua::Result<()> {
        let lua = &self.lua;
        let os: mlua::Table = lua.globals().get("os")?;
        let (time, date): (mlua::Function, mlua::Function) = (os.get("time")?, os.get("date")?);
        let pinned = lua.create_table()?;
        pinned.set(
            "time",
            lua.create_function(move |_, t: Option<mlua::Table>| match t {
                None => Ok(mlua::Value::Integer(now)),
                Some(t) => time.call::<mlua::Value>(t),
            })?,
        )?;
        pinned.set(
            "date",
            lua.create_function(move |_, (fmt, t): (Option<mlua::Value>, Option<i64>)| {
                date.call::<mlua::Value>((fmt, t.unwrap_or(now)))
            })?,
        )?;
        pinned.set(
            "clock",
            lua.create_function(|_, ()| -> mlua::Result<()> {
                Err(mlua::Error::runtime(CLOCK_REFUSED))
            })?,
        )?;
        pinned.set("difftime", os.get::<mlua::Function>("difftime")?)?;
        lua.globals().raw_set("os", pinned)
    }

    /// Locks the globals: from here on a rule can read them but not change them.
    pub(crate) fn seal(&self) -> mlua::Result<()> {
        self.lua.sandbox(true)
    }

    /// Whether the budget ran out, and the line the rule was on when it did.
    pub fn budget(&self) -> Budget {
        match Instant::now() >= self.budget.deadline.get() {
            true => Budget::Spent {
                line: self.budget.stopped_at_line.get(),
            },
            false => Budget::Left,
        }
    }
}

/// Whether a rule's time budget ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// Time is left: an error is the rule's own.
    Left,
    /// It ran out, on `line` when the interrupt saw one.
    Spent {
        /// The line the rule was on.
        line: Option<usize>,
    },
}

/// Why `os.clock()` fails in a rule.
pub const CLOCK_REFUSED: &str = "os.clock() reads the real clock, which rules test and rules replay cannot move; use s.now (unix seconds) instead";

/// The message of the error the interrupt raises.
pub const OVER_BUDGET: &str = "time budget exceeded";
