# Copy check of eval/raw9 against eval/raw .. eval/raw8 (run from eval/: python3 raw9/copycheck.py).
import glob, difflib, statistics, collections
def texts(d):
    out=[]
    for p in sorted(glob.glob(d+'/batch*.txt')):
        for l in open(p):
            l=l.rstrip('\n')
            if l.strip() and not l.startswith('#'): out.append(l.split('|',4)[4].strip().lower())
    return out
old=[]
for d in ['raw','raw2','raw3','raw4','raw5','raw6','raw7','raw8']: old+=texts(d)
new=texts('raw9')
def tri(s): return {s[i:i+3] for i in range(len(s)-2)}
ot=[tri(t) for t in old]
best=[]
for t in new:
    nt=tri(t)
    cand=sorted(range(len(old)), key=lambda i: -len(nt&ot[i])/(len(nt|ot[i]) or 1))[:15]
    r=max(difflib.SequenceMatcher(None,t,old[i]).ratio() for i in cand)
    best.append((r,t))
rs=[b[0] for b in best]
print(len(old), 'old;', 'median', round(statistics.median(rs),3), 'max', round(max(rs),3))
for r,t in sorted(best,reverse=True)[:8]: print(round(r,3), t[:90])
# within
m=0
for i in range(len(new)):
    for j in range(i+1,len(new)):
        if abs(len(new[i])-len(new[j]))<40:
            r=difflib.SequenceMatcher(None,new[i],new[j]).quick_ratio()
            if r>0.8:
                r=difflib.SequenceMatcher(None,new[i],new[j]).ratio()
                if r>m: m=r; pair=(new[i][:60],new[j][:60])
print('within max', round(m,3), pair if m else '')
