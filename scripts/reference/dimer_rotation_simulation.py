import numpy as np
def run(lams, cg, seed, maxrot=300):
    rng=np.random.default_rng(seed); d=len(lams)
    N=rng.standard_normal(d); N/=np.linalg.norm(N)
    H=lambda v: lams*v
    Fprev=None; G=None; Tstar=None
    negat=None; al=None
    for r in range(1,maxrot+1):
        h=H(N); c0=h@N
        F=-(h-c0*N)  # rotational force (ASE sign)
        if cg and Fprev is not None:
            gamma=max(0.0,(F-Fprev)@F/(Fprev@Fprev))
            Gv=F+gamma*np.linalg.norm(G)*Tstar
        else:
            Gv=F.copy()
        Gv-= (Gv@N)*N
        G=Gv; Fprev=F
        Th=G/np.linalg.norm(G)
        # exact optimal angle on quadratic: minimize RQ in plane (N,Th)
        a=N@H(N); b=Th@H(Th); cc=N@H(Th)
        phi=0.5*np.arctan2(2*cc, a-b)  # angle maximizing? solve
        # RQ(phi)=a cos^2+b sin^2+2cc sin cos; min over phi
        cands=[phi,phi+np.pi/2]
        vals=[a*np.cos(p)**2+b*np.sin(p)**2+2*cc*np.sin(p)*np.cos(p) for p in cands]
        p=cands[int(np.argmin(vals))]
        Nn=N*np.cos(p)+Th*np.sin(p); Tstar=Th*np.cos(p)-N*np.sin(p)
        N=Nn/np.linalg.norm(Nn)
        rq=N@H(N); cos=abs(N[0])
        if negat is None and rq<0: negat=r
        if al is None and cos>=0.9: al=r
        if negat and al: break
    return negat, al
for name,lams in [("uniform gap .01",np.r_[-0.01,np.linspace(0.01,1,499)]),("uniform gap .001",np.r_[-0.01,np.linspace(0.001,1,499)]),("powerlaw",np.r_[-0.01,(1/np.arange(1,500)**(np.log(100)/np.log(499)))])]:
    for cg in [False,True]:
        res=[run(lams,cg,s) for s in range(5)]
        print(name,"cg" if cg else "sd",res)
