/* Date fields; see date.h. */
#include "date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/str.h"

static const char *const months[] = {
    "jan", "feb",  "mar",  "apr",    "may",       "jun",      "jul",      "aug",
    "sep", "oct",  "nov",  "dec",    "january",   "february", "march",    "april",
    "may", "june", "july", "august", "september", "october",  "november", "december"};
static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

#define MAXW 8

static int month_of(const char *w)
{
    for (int i = 0; i < 24; i++)
        if (mw_strcasecmp(w, months[i]) == 0)
            return i % 12 + 1;
    return 0;
}

/* Python's int(): optional sign, digits, surrounding white space already gone. */
static int to_int(const char *s, long *v)
{
    char *end;
    if (!*s || strlen(s) > 12)
        return -1;
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (!*p)
        return -1;
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9')
            return -1;
    *v = strtol(s, &end, 10);
    return 0;
}

static int days_in(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return dm[m - 1] + (m == 2 && leap);
}

int mw_date_parse(const char *s, size_t n, mw_date *d)
{
    char buf[256];
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, s, n);
    buf[n] = 0;
    char *w[MAXW + 4];
    size_t nw = 0;
    for (char *p = strtok(buf, " \t\r\n"); p && nw < MAXW + 3; p = strtok(NULL, " \t\r\n"))
        w[nw++] = p;
    if (nw == 0)
        return -1;
    size_t l0 = strlen(w[0]);
    int dayname = 0;
    for (int i = 0; i < 7; i++)
        if (mw_strcasecmp(w[0], days[i]) == 0)
            dayname = 1;
    if (w[0][l0 - 1] == ',' || dayname) {
        memmove(w, w + 1, --nw * sizeof *w);
    } else {
        char *c = strrchr(w[0], ',');
        if (c)
            w[0] = c + 1;
    }
    char *rfc850[3];
    if (nw == 3) {
        char *a = w[0], *b = strchr(a, '-'), *c = b ? strchr(b + 1, '-') : NULL;
        if (b && c && !strchr(c + 1, '-')) {
            *b = *c = 0;
            rfc850[0] = a;
            rfc850[1] = b + 1;
            rfc850[2] = c + 1;
            char *t1 = w[1], *t2 = w[2];
            w[0] = rfc850[0];
            w[1] = rfc850[1];
            w[2] = rfc850[2];
            w[3] = t1;
            w[4] = t2;
            nw = 5;
        }
    }
    static char empty[] = "";
    char tzbuf[32];
    if (nw == 4) {
        char *s3 = w[3];
        char *pl = strchr(s3, '+');
        if (!pl)
            pl = strchr(s3, '-');
        if (pl && pl > s3) {
            snprintf(tzbuf, sizeof tzbuf, "%s", pl);
            *pl = 0;
            w[4] = tzbuf;
        } else {
            w[4] = empty;
        }
        nw = 5;
    }
    if (nw < 5)
        return -1;
    char *dd = w[0], *mm = w[1], *yy = w[2], *tm = w[3], *tz = w[4];
    if (!*dd || !*mm || !*yy)
        return -1;
    int mon = month_of(mm);
    if (!mon) {
        char *t = dd;
        dd = mm;
        mm = t;
        mon = month_of(mm);
        if (!mon)
            return -1;
    }
    size_t ld = strlen(dd);
    if (ld && dd[ld - 1] == ',')
        dd[ld - 1] = 0;
    char *colon = strchr(yy, ':');
    if (colon && colon > yy) {
        char *t = yy;
        yy = tm;
        tm = t;
    }
    size_t ly = strlen(yy);
    if (ly && yy[ly - 1] == ',') {
        yy[--ly] = 0;
        if (!ly)
            return -1;
    }
    if (!(yy[0] >= '0' && yy[0] <= '9')) {
        char *t = yy;
        yy = tz;
        tz = t;
    }
    size_t lt = strlen(tm);
    if (lt && tm[lt - 1] == ',')
        tm[lt - 1] = 0;
    char *hh = tm, *mi = NULL, *ss = NULL;
    char sep = strchr(tm, ':') ? ':' : strchr(tm, '.') ? '.' : 0;
    if (!sep)
        return -1;
    char *c1 = strchr(tm, sep);
    *c1 = 0;
    mi = c1 + 1;
    char *c2 = strchr(mi, sep);
    if (c2) {
        *c2 = 0;
        ss = c2 + 1;
        if (strchr(ss, sep))
            return -1;
    }
    long y, dday, h, m, sec = 0;
    if (to_int(yy, &y) || to_int(dd, &dday) || to_int(hh, &h) || to_int(mi, &m) ||
        (ss && to_int(ss, &sec)))
        return -1;
    if (y < 100)
        y += y > 68 ? 1900 : 2000;
    static const struct {
        const char *n;
        long off;
    } zones[] = {{"UT", 0},     {"UTC", 0},    {"GMT", 0},    {"Z", 0},      {"AST", -400},
                 {"ADT", -300}, {"EST", -500}, {"EDT", -400}, {"CST", -600}, {"CDT", -500},
                 {"MST", -700}, {"MDT", -600}, {"PST", -800}, {"PDT", -700}};
    int have = 0;
    long off = 0;
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++)
        if (mw_strcasecmp(tz, zones[i].n) == 0) {
            have = 1;
            off = zones[i].off;
        }
    if (!have && to_int(tz, &off) == 0) {
        have = 1;
        if (off == 0 && tz[0] == '-')
            have = 0;
    }
    if (y < 1 || y > 9999 || dday < 1 || dday > days_in((int)y, mon) || h < 0 || h > 23 || m < 0 ||
        m > 59 || sec < 0 || sec > 59)
        return -1;
    long sign = off < 0 ? -1 : 1;
    long a = off < 0 ? -off : off;
    long zs = sign * ((a / 100) * 3600 + (a % 100) * 60);
    if (have && (zs <= -86400 || zs >= 86400))
        return -1;
    d->year = (int)y;
    d->mon = mon;
    d->day = (int)dday;
    d->hour = (int)h;
    d->min = (int)m;
    d->sec = (int)sec;
    d->has_zone = have;
    d->zone = have ? zs : 0;
    return 0;
}

int64_t mw_date_unix(const mw_date *d)
{
    long y = d->year, mo = d->mon;
    y -= mo <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d->day - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + doe - 719468;
    return days * 86400 + d->hour * 3600 + d->min * 60 + d->sec - d->zone;
}

static const char *const wd[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
static const char *const mn[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void mw_date_format(const mw_date *d, char *out, size_t size)
{
    mw_date local = *d;
    local.zone = 0;
    int64_t days = mw_date_unix(&local) / 86400;
    if (mw_date_unix(&local) < 0 && mw_date_unix(&local) % 86400)
        days--;
    int w = (int)(((days % 7) + 7) % 7);
    long z = d->zone < 0 ? -d->zone : d->zone;
    if (d->has_zone)
        snprintf(out, size, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld", wd[w], d->day,
                 mn[d->mon - 1], d->year, d->hour, d->min, d->sec, d->zone < 0 ? '-' : '+',
                 z / 3600, (z % 3600) / 60);
    else
        snprintf(out, size, "%s, %02d %s %04d %02d:%02d:%02d -0000", wd[w], d->day, mn[d->mon - 1],
                 d->year, d->hour, d->min, d->sec);
}

void mw_date_iso(const mw_date *d, char *out, size_t size)
{
    long z = d->zone < 0 ? -d->zone : d->zone;
    int n = snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d", d->year, d->mon, d->day, d->hour,
                     d->min, d->sec);
    if (d->has_zone && n > 0 && (size_t)n < size)
        snprintf(out + n, size - (size_t)n, "%c%02ld:%02ld", d->zone < 0 ? '-' : '+', z / 3600,
                 (z % 3600) / 60);
}
